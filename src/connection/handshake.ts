import type { Document } from 'bson';
import { MongoCompatibilityError, MongoUnexpectedServerResponseError } from '../errors.js';
import { concatMap, defer, from, map, type Observable, of } from '../rx.js';
import type { CodecLookup } from '../wire/index.js';
import type { AuthProvider } from './auth/provider.js';
import {
  compressingCodec,
  defaultCodecs,
  isImplementedCompressor,
  offeredCompressors,
} from './compressors.js';
import type { SocketConnection } from './socket-connection.js';

/** Wire versions this driver speaks (MongoDB 4.2 .. 8.x). */
export const MIN_SUPPORTED_WIRE_VERSION = 8;
export const MAX_SUPPORTED_WIRE_VERSION = 25;

export interface ServerApi {
  readonly version: string;
  readonly strict?: boolean;
  readonly deprecationErrors?: boolean;
}

export interface HandshakeOptions {
  /** The `client` document (built once per client). */
  readonly metadata: Document;
  readonly serverApi?: ServerApi;
  readonly loadBalanced?: boolean;
  /**
   * Compressors in preference order: from the URI to handshake(), which keeps those it can offer
   * (offeredCompressors); already filtered when given to buildHandshakeCommand/applyHandshakeReply.
   */
  readonly compressors?: readonly string[];
  readonly zlibCompressionLevel?: number;
  /** Codecs by compressor (default: node:zlib and the optional packages, loaded on first use). */
  readonly codecs?: CodecLookup;
  readonly auth?: AuthProvider;
}

/** Stable API fields added to commands (versioned-api spec). */
export function serverApiFields(api: ServerApi | undefined): Document {
  if (!api) return {};
  const fields: Document = { apiVersion: api.version };
  if (api.strict !== undefined) fields.apiStrict = api.strict;
  if (api.deprecationErrors !== undefined) fields.apiDeprecationErrors = api.deprecationErrors;
  return fields;
}

/**
 * The initial hello (mongodb-handshake). Legacy `isMaster` over OP_QUERY unless a Stable API
 * version or load-balanced mode is requested, which require `hello` over OP_MSG.
 */
export function buildHandshakeCommand(options: HandshakeOptions): { command: Document; legacy: boolean } {
  const legacy = options.serverApi === undefined && !options.loadBalanced;
  // client-backpressure "Handshake changes": the server may treat clients that back off apart.
  const command: Document = { [legacy ? 'isMaster' : 'hello']: 1, helloOk: true, backpressure: true };
  Object.assign(command, serverApiFields(options.serverApi));
  command.client = options.metadata;
  command.compression = (options.compressors ?? []).filter(isImplementedCompressor);
  if (options.loadBalanced) command.loadBalanced = true;
  if (options.auth) Object.assign(command, options.auth.helloFields());
  return { command, legacy };
}

/** Checks the reply and applies what it negotiates to the connection (limits, compression, ids). */
export function applyHandshakeReply(
  conn: SocketConnection,
  reply: Document,
  options: HandshakeOptions,
): void {
  if (options.loadBalanced && reply.serviceId === undefined) {
    throw new MongoCompatibilityError(
      'Driver attempted to initialize in load balancing mode, but the server does not support this mode.',
    );
  }
  const minWire = typeof reply.minWireVersion === 'number' ? reply.minWireVersion : 0;
  const maxWire = typeof reply.maxWireVersion === 'number' ? reply.maxWireVersion : 0;
  if (minWire > MAX_SUPPORTED_WIRE_VERSION || maxWire < MIN_SUPPORTED_WIRE_VERSION) {
    throw new MongoCompatibilityError(
      `Server at ${conn.address} reports wire versions ${minWire}..${maxWire}, but mongorx supports ${MIN_SUPPORTED_WIRE_VERSION}..${MAX_SUPPORTED_WIRE_VERSION}`,
    );
  }
  conn.hello = reply;
  if (typeof reply.connectionId === 'number') conn.serverConnectionId = reply.connectionId;
  if (typeof reply.maxMessageSizeBytes === 'number' && reply.maxMessageSizeBytes > 0) {
    conn.setMaxMessageSize(reply.maxMessageSizeBytes);
  }
  // Use the first of our compressors (in the client's order) that the server also lists.
  const serverList: unknown[] = Array.isArray(reply.compression) ? reply.compression : [];
  const compressor = (options.compressors ?? [])
    .filter(isImplementedCompressor)
    .find((c) => serverList.includes(c));
  if (compressor !== undefined) {
    const codec = compressingCodec(compressor, options.codecs ?? defaultCodecs, options.zlibCompressionLevel);
    if (codec) conn.compression = { compressor, codec };
  }
}

/** Runs hello then authentication; emits the hello reply once the connection is ready. */
export function handshake(conn: SocketConnection, uriOptions: HandshakeOptions): Observable<Document> {
  return defer(() => {
    const offered = offeredCompressors(uriOptions.compressors, uriOptions.codecs ?? defaultCodecs);
    return offered instanceof Promise ? from(offered) : of(offered);
  }).pipe(
    concatMap((compressors) => {
      const options: HandshakeOptions = { ...uriOptions, compressors };
      const { command, legacy } = buildHandshakeCommand(options);
      // connect() bounds the whole handshake with connectTimeoutMS.
      return conn.command('admin', command, { legacyOpQuery: legacy, unmonitored: true }).pipe(
        map((reply) => {
          if (typeof reply !== 'object' || reply === null) {
            throw new MongoUnexpectedServerResponseError('empty handshake reply');
          }
          applyHandshakeReply(conn, reply, options);
          return reply;
        }),
      );
    }),
    concatMap((reply) =>
      uriOptions.auth ? uriOptions.auth.authenticate(conn, reply).pipe(map(() => reply)) : of(reply),
    ),
  );
}
