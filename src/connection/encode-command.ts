// Turns one command into the bytes of one request: OP_MSG (or the legacy OP_QUERY of the first
// hello), wrapped in OP_COMPRESSED when compression was negotiated and the command allows it.
import type { Document } from 'bson';
import { encodeOpCompressed, encodeOpMsg, encodeOpQuery } from '../wire/index.js';
import type { CommandOptions } from './types.js';

/** Commands that must never be compressed (compression spec, "Messages not allowed to be compressed"). */
const UNCOMPRESSIBLE = new Set([
  'hello',
  'ismaster',
  'saslstart',
  'saslcontinue',
  'getnonce',
  'authenticate',
  'createuser',
  'updateuser',
  'copydbsaslstart',
  'copydbgetnonce',
  'copydb',
]);

/** The compressor the handshake negotiated. */
export interface NegotiatedCompression {
  readonly compressor: 'zlib';
  readonly zlibCompressionLevel: number | undefined;
}

export interface OutgoingCommand {
  readonly requestId: number;
  readonly databaseName: string;
  readonly commandName: string;
  /** The command as the caller gave it (the OP_QUERY query). */
  readonly command: Document;
  /** The command with `$db` (the OP_MSG body). */
  readonly body: Document;
}

/** Encodes the request; throws (MongoInvalidArgumentError, BSON errors) before anything is written. */
export function encodeCommand(
  out: OutgoingCommand,
  options: CommandOptions,
  compression: NegotiatedCompression | undefined,
): Buffer {
  const message = options.legacyOpQuery
    ? encodeOpQuery({
        requestId: out.requestId,
        fullCollectionName: `${out.databaseName}.$cmd`,
        query: out.command,
        numberToReturn: -1,
      })
    : encodeOpMsg({
        requestId: out.requestId,
        command: out.body,
        sequences: options.sequences,
        moreToCome: options.moreToCome,
        exhaustAllowed: options.exhaustAllowed,
        serializeOptions: options.serializeOptions,
      });
  if (!compression || options.noCompress || UNCOMPRESSIBLE.has(out.commandName.toLowerCase())) return message;
  return encodeOpCompressed(message, compression.compressor, compression.zlibCompressionLevel);
}
