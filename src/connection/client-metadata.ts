import * as os from 'node:os';
import { calculateObjectSize, type Document } from 'bson';
import { DRIVER_NAME, DRIVER_VERSION } from '../version.js';

/** The handshake's `client` document may not exceed 512 bytes (mongodb-handshake, "Limitations"). */
export const MAX_METADATA_BYTES = 512;

export interface MetadataOptions {
  readonly appName?: string;
  /** Wrapping libraries append their name/version/platform, separated by "|". */
  readonly driverInfo?: { readonly name?: string; readonly version?: string; readonly platform?: string };
}

/** Builds the `client` document of the handshake, truncated to 512 bytes in the spec's order. */
export function buildClientMetadata(options: MetadataOptions = {}): Document {
  const info = options.driverInfo ?? {};
  const metadata: Document = {};
  if (options.appName) metadata.application = { name: truncateUtf8(options.appName, 128) };
  metadata.driver = {
    name: info.name ? `${DRIVER_NAME}|${info.name}` : DRIVER_NAME,
    version: info.version ? `${DRIVER_VERSION}|${info.version}` : DRIVER_VERSION,
  };
  metadata.os = {
    type: os.type(),
    name: process.platform,
    architecture: process.arch,
    version: os.release(),
  };
  const platform = `Node.js ${process.version}, ${os.endianness()}`;
  metadata.platform = info.platform ? `${platform}|${info.platform}` : platform;
  return truncateMetadata(metadata);
}

/**
 * Truncation order (mongodb-handshake, "Limitations"): env fields but name, os fields but type,
 * the env document, then the platform string.
 */
export function truncateMetadata(metadata: Document): Document {
  const fits = (m: Document) => calculateObjectSize(m) <= MAX_METADATA_BYTES;
  if (fits(metadata)) return metadata;
  let m: Document = { ...metadata };
  if (m.env) m.env = { name: m.env.name };
  if (fits(m)) return m;
  if (m.os) m.os = { type: m.os.type };
  if (fits(m)) return m;
  if (m.env) {
    const { env: _env, ...rest } = m;
    m = rest;
  }
  if (fits(m)) return m;
  const over = calculateObjectSize(m) - MAX_METADATA_BYTES;
  m.platform = truncateUtf8(
    String(m.platform ?? ''),
    Math.max(0, Buffer.byteLength(String(m.platform ?? '')) - over),
  );
  return m;
}

function truncateUtf8(s: string, maxBytes: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= maxBytes) return s;
  // Do not cut a multi-byte character in half.
  let end = maxBytes;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}
