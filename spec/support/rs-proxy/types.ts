import type { Document, Timestamp } from 'bson';
import type { FaultKind } from './faults.js';
import type { OpenTransactions } from './transactions.js';

export interface ReplicaSetProxyOptions {
  /** Replica-set members (each its own loopback port). Default 3. Ignored when `mongos` > 0. */
  members?: 1 | 3;
  /** 1 or 2 routers (`msg: 'isdbgrid'`) instead of replica-set members. Default 0. */
  mongos?: 0 | 1 | 2;
  /** Default 'rs0'. */
  setName?: string;
  /**
   * The deployment behind the proxy, as `host:port` or a `mongodb://host:port/` URI (one host, no
   * auth). Absent: the proxy starts its own FerretDB and stops it in `close()`.
   */
  upstream?: string;
  /** Most connections the proxy opens to the upstream. Default 32. */
  upstreamPoolSize?: number;
  /**
   * Whose fail points `configureFailPoint` sets. 'member' (default): each member or router has its
   * own, as each mongod/mongos process has. 'deployment': one set shared by all of them.
   */
  failPointScope?: 'member' | 'deployment';
  /** Random source for `{ activationProbability }` (default Math.random); seed it for repeatable runs. */
  random?: () => number;
  /** Records kept in `commands` (oldest dropped first). Default 10,000. */
  maxRecords?: number;
}

/** What the proxy did with one request. */
export type CommandOutcome =
  | 'answered' // by the proxy itself (hello, configureFailPoint, endSessions, ...)
  | 'forwarded' // executed at the upstream, reply sent
  | 'forwarded-no-reply' // executed at the upstream; moreToCome request, so no reply
  | 'retry-answered' // a retried write answered from the retry memory, not executed again
  | 'dropped-after-execution' // executed (or answered from memory), connection closed without a reply
  | 'fail-point-block' // a blockConnection wait starts (the command gets a second record after it)
  | 'fail-point-error'
  | 'fail-point-close'
  | 'not-primary' // a write to a non-primary, or a read without secondaryOk on a secondary
  | 'upstream-failed' // the upstream connection failed; the client connection was closed
  | 'rejected'; // e.g. OP_QUERY for something other than hello

export interface CommandRecord {
  /** Index of the member (or router) the request arrived at. */
  readonly member: number;
  readonly connectionId: number;
  readonly commandName: string;
  readonly command: Document;
  readonly outcome: CommandOutcome;
  /** Whether the command ran at the upstream (false for a retry answered from memory). */
  readonly executed: boolean;
  /** The reply sent (absent when none was). */
  readonly reply?: Document;
}

export interface ProxyMember {
  readonly index: number;
  /** "127.0.0.1:port". */
  readonly address: string;
  readonly port: number;
  /** Client connections open now. */
  readonly connections: number;
  readonly faults: MemberFaults;
}

/** Network faults of one member; each stays until lifted. */
export interface MemberFaults {
  /** Stop reading requests and hold replies (bytes wait in the socket buffers) until lifted. */
  freeze(): void;
  /** Cut each connection once it has sent `bytes` more bytes (counted from now, or from its start). */
  dropAfterBytes(bytes: number): void;
  /** Send each reply `ms` later than it is ready (in order). */
  delayReplies(ms: number): void;
  /** XOR the byte at `offset` (default 21: the body's BSON length in an OP_MSG) of every reply. */
  corruptReplies(options?: { offset?: number; xor?: number }): void;
  /** Reset (TCP RST) every connection now and each new one until lifted. */
  reset(): void;
  /** Send replies with a responseTo that answers no request. */
  wrongResponseTo(): void;
  /** Lifts one fault, or all when no kind is named; held bytes then flow again. */
  lift(kind?: FaultKind): void;
  readonly active: readonly FaultKind[];
}

/** Where `configureFailPoint` applies: one member or router by index, or all. */
export type FailPointTarget = number | 'all';

export interface ReplicaSetProxy {
  readonly kind: 'replicaset' | 'sharded';
  /** Undefined in mongos mode. */
  readonly setName: string | undefined;
  /** "127.0.0.1:port" of each member (or router). */
  readonly hosts: readonly string[];
  readonly members: readonly ProxyMember[];
  /** `mongodb://h1,h2,h3/?replicaSet=rs0`, or `mongodb://r1,r2/` for routers. */
  readonly uri: string;
  /** The deployment behind the proxy, for checking data without the proxy in between. */
  readonly upstreamUri: string;
  /** Index of the primary; undefined when there is none (or in mongos mode). */
  readonly primaryIndex: number | undefined;
  /** The logical cluster time (advanced by every write). */
  readonly clusterTime: Timestamp;
  /**
   * The primary steps down; `next` (default: the following member) is elected at once, or none
   * when `next` is null (call `elect` later). A 1-member set re-elects its member.
   */
  stepDown(options?: { next?: number | null }): void;
  /** Makes member `index` primary in a new term (electionId grows); the others secondaries. */
  elect(index: number): void;
  /** A new replica-set config: setVersion + 1. */
  reconfig(): void;
  /** Runs a `configureFailPoint` command document as the server would; returns its reply. */
  configureFailPoint(command: Document, target?: FailPointTarget): Document;
  /** Records of what the proxy did, oldest first. */
  readonly commands: readonly CommandRecord[];
  /**
   * For outcome checks: rolls back the open transactions that wrote, so reads show committed data
   * only ('isolated'); 'unknown' when a write outside one touched its documents (transactions.ts).
   */
  isolateOpenTransactions(): Promise<OpenTransactions>;
  /** Resolves with the next record (from now on) that matches. */
  nextCommand(match: (r: CommandRecord) => boolean): Promise<CommandRecord>;
  /** Stops everything (connections destroyed, listeners and upstream closed, own FerretDB stopped). */
  close(): Promise<void>;
}
