import { redactConnectionString } from 'mongodb-connection-string-url';

/**
 * The connection string with userinfo and secret option values replaced by "<credentials>",
 * safe to log or put in an error message.
 */
export function redactUri(uri: string): string {
  return redactConnectionString(uri);
}
