export { cursorReply } from './cursor.js';
export { FailCommandPoint } from './fail-point.js';
export {
  errorReply,
  type HelloContext,
  type HelloOptions,
  helloReply,
  negotiateCompression,
  newTopologyVersion,
  type TopologyVersion,
} from './hello.js';
export { type MockReplicaSet, startReplicaSet } from './replica-set.js';
export { MockServer } from './server.js';
export { type MockShardedCluster, startShardedCluster } from './sharded.js';
export {
  type FinalReply,
  finalReply,
  isMockAction,
  type MockAction,
  type MockHandler,
  type MockRequest,
  type MockResponse,
  type MockServerOptions,
} from './types.js';
