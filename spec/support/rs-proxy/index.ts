export { LogicalClock } from './cluster-time.js';
export { FAIL_POINT_NAMES, type FailPointName } from './fail-point.js';
export type { FaultKind } from './faults.js';
export { MAX_WIRE_VERSION } from './hello.js';
export { startReplicaSetProxy } from './proxy.js';
export { FERRETDB_TRANSLATIONS, type FerretDBTranslation } from './translations.js';
export type {
  CommandOutcome,
  CommandRecord,
  FailPointTarget,
  MemberFaults,
  ProxyMember,
  ReplicaSetProxy,
  ReplicaSetProxyOptions,
} from './types.js';
