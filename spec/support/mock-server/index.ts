export {
  errorReply,
  type HelloContext,
  type HelloOptions,
  helloReply,
  negotiateCompression,
  newTopologyVersion,
  type TopologyVersion,
} from './hello.js';
export { MockServer } from './server.js';
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
