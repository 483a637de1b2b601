/** Default MongoDB port, appended to seeds and hello hosts given without one. */
export const DEFAULT_PORT = 27017;

/**
 * Normalizes a `host[:port]` address: lower-cases the host (SDAM "Hostnames are normalized to
 * lower-case") and appends the default port when none is given. IPv6 literals keep their brackets.
 */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    return end !== -1 && a[end + 1] === ':' ? a : `${a.slice(0, end + 1)}:${DEFAULT_PORT}`;
  }
  // A Unix domain socket path has no port.
  if (a.endsWith('.sock')) return a;
  return a.includes(':') ? a : `${a}:${DEFAULT_PORT}`;
}

/** Splits a normalized address into host and port (port undefined for a socket path). */
export function splitAddress(address: string): { host: string; port: number | undefined } {
  if (address.endsWith('.sock')) return { host: address, port: undefined };
  const colon = address.lastIndexOf(':');
  if (colon === -1 || address.endsWith(']')) return { host: address, port: DEFAULT_PORT };
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(address.slice(colon + 1)) };
}
