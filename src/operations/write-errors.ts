import type { Document } from 'bson';
import { MongoServerError, MongoWriteConcernError } from '../errors.js';

/**
 * A single write's reply may be `ok: 1` and still carry `writeErrors` or `writeConcernError`
 * (server_write_commands spec). Single-document operations surface the first write error as a
 * MongoServerError, then a write concern error as MongoWriteConcernError.
 */
export function throwOnWriteErrors(reply: Document): void {
  const writeErrors = reply.writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) {
    const first = writeErrors[0] as Document;
    throw new MongoServerError({ ...first, errorLabels: reply.errorLabels });
  }
  if (reply.writeConcernError) throw new MongoWriteConcernError(reply.writeConcernError, reply);
}
