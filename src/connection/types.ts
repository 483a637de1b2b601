import type { DeserializeOptions, Document, SerializeOptions } from 'bson';
import type { Observable } from '../rx.js';
import type { DocumentSequence } from '../wire/op-msg.js';

export type { DocumentSequence } from '../wire/op-msg.js';

export interface CommandOptions {
  /** Kind-1 sections sent beside the command body (bulk writes). */
  readonly sequences?: readonly DocumentSequence[];
  /** Fire-and-forget (w:0): sets moreToCome; the Observable completes once the bytes are written. */
  readonly moreToCome?: boolean;
  /**
   * Exhaust: sets exhaustAllowed and keeps emitting each reply while the server sets moreToCome.
   * Without it the Observable emits exactly one reply.
   */
  readonly exhaustAllowed?: boolean;
  /** Errors the command with MongoNetworkTimeoutError when no reply arrives in time (0 = none). */
  readonly socketTimeoutMS?: number;
  /** The driver's id of the operation this command is part of (named in its command events). */
  readonly operationId?: number;
  /** Skip command monitoring events (heartbeats and handshakes are not monitored commands). */
  readonly unmonitored?: boolean;
  /** Send as OP_QUERY on `<db>.$cmd` (legacy hello of the initial handshake only). */
  readonly legacyOpQuery?: boolean;
  /** Do not compress this command even when compression was negotiated. */
  readonly noCompress?: boolean;
  /** BSON encoding of the command and its sequences (the user's ignoreUndefined, serializeFunctions). */
  readonly serializeOptions?: SerializeOptions;
  /** BSON decoding of the reply (e.g. keep cursor batches as bytes for the user's options). */
  readonly bsonOptions?: DeserializeOptions;
  /**
   * The reader of the reply hands its bytes back once done (see `takeReplyRelease`): a large reply
   * is then assembled in a reused buffer. Only for replies nothing else keeps (GridFS chunks).
   */
  readonly releasableReply?: boolean;
}

/**
 * What the layers above the connection see of one. `command` is cold: the request is written on
 * subscribe. A reply with `ok: 0` errors with MongoServerError; a socket failure errors every
 * in-flight command with MongoNetworkError and leaves the connection closed.
 */
export interface Connection {
  /** Driver-side id, unique per pool (CMAP `connectionId`). */
  readonly id: number;
  /** "host:port" (or the socket path) as the topology names the server. */
  readonly address: string;
  /** Pool generation this connection was created in (CMAP). */
  readonly generation: number;
  /** The handshake reply (hello), or undefined before the handshake. */
  readonly hello: Document | undefined;
  /** Server-side connection id from the handshake (`connectionId` in hello). */
  readonly serverConnectionId: number | undefined;
  readonly closed: boolean;
  command(db: string, command: Document, options?: CommandOptions): Observable<Document>;
  /** Closes the socket; in-flight commands error with MongoNetworkError. Idempotent. */
  close(): void;
}
