// How values appear in log messages (logging spec): documents as relaxed extended JSON cut at the
// maximum length, errors as plain data, addresses as serverHost/serverPort.
import { type Document, EJSON, ObjectId } from 'bson';

/**
 * `text` cut after `max` Unicode code points, with `...` appended when something was cut (the
 * ellipsis does not count). Naive on purpose: the spec wants no attempt at valid JSON.
 */
export function truncate(text: string, max: number): string {
  // Code units >= code points: a string this short cannot be too long.
  if (text.length <= max) return text;
  let end = 0;
  for (let points = 0; points < max && end < text.length; points++) {
    const cp = text.codePointAt(end) as number;
    end += cp > 0xffff ? 2 : 1;
  }
  return end >= text.length ? text : `${text.slice(0, end)}...`;
}

/** Relaxed extended JSON of a document, truncated (logging spec, "Representing Documents"). */
export function documentText(doc: unknown, max: number): string {
  let text: string;
  try {
    text = EJSON.stringify(doc as Document, { relaxed: true });
  } catch {
    text = String(doc);
  }
  return truncate(text, max);
}

/** An error as data: everything our error classes report, server replies truncated. */
export function errorData(error: unknown, max: number): Document {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & {
    code?: unknown;
    codeName?: unknown;
    errorLabels?: unknown;
    errorResponse?: unknown;
  };
  const out: Document = { name: e.name, message: e.message };
  if (e.code !== undefined) out.code = e.code;
  if (typeof e.codeName === 'string') out.codeName = e.codeName;
  const labels = e.errorLabels instanceof Set ? [...e.errorLabels] : e.errorLabels;
  if (Array.isArray(labels) && labels.length > 0) out.errorLabels = labels;
  if (e.errorResponse !== undefined) out.errorResponse = documentText(e.errorResponse, max);
  return out;
}

/** serverHost and serverPort of "host:port", "[v6]:port" or a Unix socket path (no port). */
export function addressFields(address: string): { serverHost: string; serverPort?: number } {
  if (address.startsWith('/') || address.endsWith('.sock')) return { serverHost: address };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (v6) return { serverHost: v6[1] as string, serverPort: v6[2] ? Number(v6[2]) : 27017 };
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { serverHost: address, serverPort: 27017 };
  return { serverHost: address.slice(0, colon), serverPort: Number(address.slice(colon + 1)) };
}

/** A service id (load-balanced mode) as the hex string the specs ask for. */
export function serviceIdText(serviceId: unknown): string | undefined {
  if (serviceId === undefined || serviceId === null) return undefined;
  return serviceId instanceof ObjectId ? serviceId.toHexString() : String(serviceId);
}

interface ServerLike {
  readonly address?: unknown;
  readonly type?: unknown;
  readonly roundTripTime?: unknown;
  readonly error?: unknown;
}

/**
 * A topology description (the events type it `unknown`) as extended JSON: type, set name and
 * each server's address, type, round-trip time and error.
 */
export function topologyText(description: unknown, max: number): string {
  const td = (description ?? {}) as { type?: unknown; setName?: unknown; servers?: unknown };
  const out: Document = {};
  if (typeof td.type === 'string') out.type = td.type;
  if (typeof td.setName === 'string') out.setName = td.setName;
  const servers = td.servers instanceof Map ? [...td.servers.values()] : [];
  out.servers = servers.map((s: ServerLike) => {
    const server: Document = { address: s.address, type: s.type };
    if (typeof s.roundTripTime === 'number') server.roundTripTime = s.roundTripTime;
    if (s.error instanceof Error) server.error = s.error.message;
    return server;
  });
  return documentText(out, max);
}

/** The selector of a server selection: the read preference with all its parts, or a writable server. */
export function selectorText(kind: 'read' | 'write', readPreference: unknown, max: number): string {
  if (kind === 'write') return 'writable server';
  const rp = (readPreference ?? {}) as {
    mode?: unknown;
    tags?: unknown;
    maxStalenessSeconds?: unknown;
    hedge?: unknown;
  };
  const out: Document = { mode: rp.mode ?? 'primary' };
  if (Array.isArray(rp.tags) && rp.tags.length > 0) out.tags = rp.tags;
  if (rp.maxStalenessSeconds !== undefined) out.maxStalenessSeconds = rp.maxStalenessSeconds;
  if (rp.hedge !== undefined) out.hedge = rp.hedge;
  return documentText({ readPreference: out }, max);
}
