export {
  type ConnectionErrorContext,
  POOL_DEFAULTS,
  type PoolOptions,
  resolvePoolOptions,
} from './options.js';
export {
  type CheckOutOptions,
  type ClearOptions,
  type ConnectionFactory,
  ConnectionPool,
  type EstablishInfo,
  type PinKind,
  type PoolInit,
  type PoolState,
} from './pool.js';
