import type { Connection } from '../connection/types.js';
import type { ServerInfo } from '../operations/operation.js';
import type { ServerDescription } from '../sdam/description/server-description.js';

/** The limits and identity of a server as operations see them, from its description (or handshake). */
export function serverInfoOf(description: ServerDescription, connection?: Connection): ServerInfo {
  const hello = connection?.hello;
  return {
    address: description.address,
    serverType: description.type,
    maxWireVersion: description.maxWireVersion || (hello?.maxWireVersion as number | undefined) || 0,
    maxBsonObjectSize:
      description.maxBsonObjectSize ?? (hello?.maxBsonObjectSize as number | undefined) ?? 16 * 1024 * 1024,
    maxMessageSizeBytes:
      description.maxMessageSizeBytes ?? (hello?.maxMessageSizeBytes as number | undefined) ?? 48_000_000,
    maxWriteBatchSize:
      description.maxWriteBatchSize ?? (hello?.maxWriteBatchSize as number | undefined) ?? 100_000,
  };
}
