import { ObjectId } from 'bson';
import type { HelloOptions } from './hello.js';
import { MockServer } from './server.js';
import type { MockServerOptions } from './types.js';

export interface MockReplicaSet {
  readonly setName: string;
  readonly members: readonly MockServer[];
  /** "host:port" of each member, the `hosts` every member reports. */
  readonly hosts: readonly string[];
  /** Seed list URI naming all members and `replicaSet`. */
  readonly uri: string;
  /** The member currently reporting itself primary (undefined after `stepDown` with no successor). */
  readonly primary: MockServer | undefined;
  /** Makes member `index` primary (the others secondaries) with a new electionId; -1 leaves none. */
  elect(index: number): void;
  stop(): Promise<void>;
}

/**
 * Starts `members` mock servers that describe one replica set; member 0 starts as primary.
 * `options` applies to every member (its `hello` is merged under the replica-set fields).
 */
export async function startReplicaSet(
  members = 3,
  options: MockServerOptions & { setName?: string } = {},
): Promise<MockReplicaSet> {
  const setName = options.setName ?? 'rs0';
  const servers = await Promise.all(Array.from({ length: members }, () => MockServer.start(options)));
  const hosts = servers.map((s) => s.address);
  let primaryIndex = -1;

  const elect = (index: number) => {
    primaryIndex = index;
    const electionId = new ObjectId();
    servers.forEach((server, i) => {
      // Explicit undefined overrides what the member said before (setHello merges).
      const hello: HelloOptions = {
        ...options.hello,
        setName,
        hosts: [...hosts],
        me: hosts[i],
        setVersion: 1,
        role: i === index ? 'primary' : 'secondary',
        primary: index >= 0 ? hosts[index] : undefined,
        electionId: i === index ? electionId : undefined,
      };
      server.setHello(hello);
    });
  };
  elect(0);

  return {
    setName,
    members: servers,
    hosts,
    uri: `mongodb://${hosts.join(',')}/?replicaSet=${setName}`,
    get primary() {
      return primaryIndex >= 0 ? servers[primaryIndex] : undefined;
    },
    elect,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
