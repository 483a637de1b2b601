import type { Document } from 'bson';
import { MongoWriteConcernError } from '../errors.js';
import type { CommandOperation } from './operation.js';

export type EndTransactionCommand = 'commitTransaction' | 'abortTransaction';

/**
 * `commitTransaction` / `abortTransaction` (transactions spec): to `admin`, with the transaction's
 * write concern; the session adds lsid, txnNumber, autocommit and recoveryToken. The retry rules
 * of the spec (once, the commit's with w: majority) live with the session, which owns the state.
 */
export function endTransactionOperation(
  name: EndTransactionCommand,
  fields: { readonly writeConcern?: Document; readonly maxTimeMS?: number },
): CommandOperation<void> {
  return {
    commandName: name,
    dbName: 'admin',
    kind: 'write',
    retryable: false,
    build: () => {
      const command: Document = { [name]: 1 };
      if (fields.writeConcern) command.writeConcern = fields.writeConcern;
      if (fields.maxTimeMS !== undefined) command.maxTimeMS = fields.maxTimeMS;
      return { command };
    },
    parse: (reply) => {
      // A commit that ran but whose write concern failed: the caller sees the writeConcernError.
      if (reply.writeConcernError) throw new MongoWriteConcernError(reply.writeConcernError, reply);
      return undefined;
    },
  };
}
