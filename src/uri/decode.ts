import { MongoParseError } from '../errors.js';

/** Percent-decodes one component; `what` names it in the error (never the value itself). */
export function decode(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MongoParseError(`Invalid percent-encoding in the ${what}`);
  }
}
