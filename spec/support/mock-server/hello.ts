import { type Document, Long, ObjectId } from 'bson';
import type { Compressor } from '../../../src/wire/index.js';

export interface TopologyVersion {
  processId: ObjectId;
  counter: Long;
}

/** What a mock `hello` says about the server. Unset fields get standalone defaults. */
export interface HelloOptions {
  /** Default: 'standalone'. 'mongos' adds `msg: "isdbgrid"`. */
  role?: 'standalone' | 'primary' | 'secondary' | 'arbiter' | 'ghost' | 'mongos' | 'other';
  setName?: string;
  hosts?: string[];
  passives?: string[];
  arbiters?: string[];
  primary?: string;
  me?: string;
  setVersion?: number;
  electionId?: ObjectId;
  topologyVersion?: TopologyVersion;
  maxWireVersion?: number;
  minWireVersion?: number;
  maxBsonObjectSize?: number;
  maxMessageSizeBytes?: number;
  maxWriteBatchSize?: number;
  /** null omits the field (servers without sessions support). */
  logicalSessionTimeoutMinutes?: number | null;
  tags?: Document;
  lastWrite?: Document;
  /** Extra fields merged last (can override anything). */
  extra?: Document;
}

export interface HelloContext {
  /** Server-side connection id reported as `connectionId`. */
  connectionId: number;
  /** The hello/isMaster command the client sent (for `compression`, `helloOk`, legacy naming). */
  command?: Document;
  /** Compressors the server supports, in its preference order. */
  serverCompressors?: readonly Compressor[];
}

export function newTopologyVersion(): TopologyVersion {
  return { processId: new ObjectId(), counter: Long.fromInt(0) };
}

/**
 * Builds a hello reply as a real server would. A legacy `isMaster`/`ismaster` command gets
 * `ismaster` instead of `isWritablePrimary` (and `helloOk: true` when it asked for it).
 */
export function helloReply(
  options: HelloOptions = {},
  context: HelloContext = { connectionId: 1 },
): Document {
  const role = options.role ?? (options.setName ? 'primary' : 'standalone');
  const command = context.command ?? { hello: 1 };
  const legacy = !('hello' in command);
  const writable = role === 'standalone' || role === 'primary' || role === 'mongos';
  const reply: Document = { [legacy ? 'ismaster' : 'isWritablePrimary']: writable };
  if (legacy && command.helloOk === true) reply.helloOk = true;
  if (role === 'mongos') reply.msg = 'isdbgrid';
  if (role === 'ghost') reply.isreplicaset = true;
  if (options.setName !== undefined && role !== 'ghost' && role !== 'standalone' && role !== 'mongos') {
    reply.setName = options.setName;
    reply.setVersion = options.setVersion ?? 1;
    if (options.electionId) reply.electionId = options.electionId;
    reply.secondary = role === 'secondary';
    if (role === 'arbiter') reply.arbiterOnly = true;
    if (options.hosts) reply.hosts = options.hosts;
    if (options.passives) reply.passives = options.passives;
    if (options.arbiters) reply.arbiters = options.arbiters;
    if (options.primary) reply.primary = options.primary;
    if (options.me) reply.me = options.me;
    if (options.tags) reply.tags = options.tags;
    if (options.lastWrite) reply.lastWrite = options.lastWrite;
  }
  if (options.topologyVersion) reply.topologyVersion = options.topologyVersion;
  Object.assign(reply, {
    maxBsonObjectSize: options.maxBsonObjectSize ?? 16 * 1024 * 1024,
    maxMessageSizeBytes: options.maxMessageSizeBytes ?? 48_000_000,
    maxWriteBatchSize: options.maxWriteBatchSize ?? 100_000,
    localTime: new Date(),
  });
  const sessionMinutes =
    options.logicalSessionTimeoutMinutes === undefined ? 30 : options.logicalSessionTimeoutMinutes;
  if (sessionMinutes !== null) reply.logicalSessionTimeoutMinutes = sessionMinutes;
  reply.connectionId = context.connectionId;
  reply.minWireVersion = options.minWireVersion ?? 0;
  reply.maxWireVersion = options.maxWireVersion ?? 21;
  reply.readOnly = false;
  const compression = negotiateCompression(command.compression, context.serverCompressors ?? []);
  if (compression.length > 0) reply.compression = compression;
  reply.ok = 1;
  return { ...reply, ...options.extra };
}

/** The compressors the client offered that the server supports, in the client's order. */
export function negotiateCompression(offered: unknown, supported: readonly Compressor[]): Compressor[] {
  if (!Array.isArray(offered)) return [];
  return offered.filter((c): c is Compressor => typeof c === 'string' && supported.includes(c as Compressor));
}

/** An `ok: 0` command error reply. */
export function errorReply(code: number, errmsg: string, extra: Document = {}): Document {
  return { ok: 0, errmsg, code, codeName: extra.codeName ?? `Error${code}`, ...extra };
}
