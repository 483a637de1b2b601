import type { Document } from 'bson';
import type { CommandOperation } from '../operations/operation.js';
import type { ServerDescription } from '../sdam/description/server-description.js';
import type { ExecutionContext } from './context.js';

/**
 * What every command gets on its way out: the Stable API fields (versioned-api: on every command,
 * getMore included) and `$readPreference` for mongos (server-selection, "Passing read preference
 * to mongos and load balancers").
 */
export function decorateCommand(
  command: Document,
  op: CommandOperation<unknown>,
  description: ServerDescription,
  ctx: Pick<ExecutionContext, 'serverApiFields'>,
): Document {
  const out: Document = { ...command };
  Object.assign(out, ctx.serverApiFields);
  const readPreference = op.readPreference;
  if (
    op.kind === 'read' &&
    (description.type === 'Mongos' || description.type === 'LoadBalancer') &&
    readPreference &&
    readPreference.mode !== 'primary'
  ) {
    out.$readPreference = readPreference.toDocument();
  }
  return out;
}
