export { POOL_DEFAULTS, type PoolOptions, resolvePoolOptions } from './options.js';
export {
  type ClearOptions,
  type ConnectionFactory,
  ConnectionPool,
  type PoolInit,
  type PoolState,
} from './pool.js';
