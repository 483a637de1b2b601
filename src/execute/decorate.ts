import type { Document } from 'bson';
import type { CommandOperation } from '../operations/operation.js';
import type { ReadPreference } from '../read-preference.js';
import type { ServerType } from '../sdam/description/server-description.js';
import type { TopologyType } from '../sdam/description/topology-description.js';
import type { SelectedServer } from '../sdam/topology-contract.js';
import type { ExecutionContext } from './context.js';

/**
 * What every command gets on its way out: the Stable API fields (versioned-api: on every command,
 * getMore included) and `$readPreference` where server selection says so.
 */
export function decorateCommand(
  command: Document,
  op: CommandOperation<unknown>,
  server: Pick<SelectedServer, 'description' | 'topologyType'>,
  ctx: Pick<ExecutionContext, 'serverApiFields'>,
): Document {
  const out: Document = { ...command };
  Object.assign(out, ctx.serverApiFields);
  if (op.kind === 'read') {
    const field = readPreferenceField(server.topologyType, server.description.type, op.readPreference);
    if (field) out.$readPreference = field;
  }
  return out;
}

/**
 * The `$readPreference` of a read sent with OP_MSG (server-selection spec, "Topology type: Single",
 * "ReplicaSet... Read operations", "Passing read preference to mongos and load balancers"):
 * - never to a standalone;
 * - a direct connection to a replica-set member gets `primaryPreferred` for a primary (or absent)
 *   preference, so that a secondary answers too;
 * - otherwise only a mode other than primary is sent (to members, mongos and load balancers).
 */
export function readPreferenceField(
  topologyType: TopologyType,
  serverType: ServerType,
  readPreference: ReadPreference | undefined,
): Document | undefined {
  if (serverType === 'Standalone') return undefined;
  const primary = !readPreference || readPreference.mode === 'primary';
  const direct = topologyType === 'Single' && serverType !== 'Mongos' && serverType !== 'LoadBalancer';
  if (direct && primary) return { mode: 'primaryPreferred' };
  return primary ? undefined : readPreference.toDocument();
}
