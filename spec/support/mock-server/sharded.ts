import { MockServer } from './server.js';
import type { MockServerOptions } from './types.js';

export interface MockShardedCluster {
  /** The mongos routers, each answering hello with `msg: "isdbgrid"`. */
  readonly mongoses: readonly MockServer[];
  /** "host:port" of each mongos. */
  readonly hosts: readonly string[];
  /** Seed list URI naming every mongos. */
  readonly uri: string;
  stop(): Promise<void>;
}

/**
 * Starts `count` mock mongos routers of one sharded cluster. `options` applies to every one (its
 * `hello` is merged under `role: 'mongos'`).
 */
export async function startShardedCluster(
  count = 2,
  options: MockServerOptions = {},
): Promise<MockShardedCluster> {
  const mongoses = await Promise.all(
    Array.from({ length: count }, () =>
      MockServer.start({ ...options, hello: { ...options.hello, role: 'mongos' } }),
    ),
  );
  const hosts = mongoses.map((s) => s.address);
  return {
    mongoses,
    hosts,
    uri: `mongodb://${hosts.join(',')}/`,
    stop: async () => {
      await Promise.all(mongoses.map((s) => s.stop()));
    },
  };
}
