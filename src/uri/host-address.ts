import { MongoParseError } from '../errors.js';
import { decode } from './decode.js';

export const DEFAULT_PORT = 27017;

/** A server address: a TCP host and port, or a Unix domain socket path. */
export type HostAddress = TcpHostAddress | SocketHostAddress;

export class TcpHostAddress {
  readonly host: string;
  readonly port: number;
  /** True when the host was an IP literal (`[::1]`); `toString()` brackets it again. */
  readonly isIPv6: boolean;

  constructor(host: string, port = DEFAULT_PORT) {
    this.isIPv6 = host.includes(':');
    // Hostnames are case-insensitive; the SDAM spec compares addresses lowercased.
    this.host = host.toLowerCase();
    this.port = port;
    Object.freeze(this);
  }

  /** "host:port", with IPv6 literals in brackets: the key SDAM uses for a server. */
  toString(): string {
    return this.isIPv6 ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

export class SocketHostAddress {
  readonly socketPath: string;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
    Object.freeze(this);
  }

  toString(): string {
    return this.socketPath;
  }

  toJSON(): string {
    return this.toString();
  }
}

export function isSocketAddress(address: HostAddress): address is SocketHostAddress {
  return address instanceof SocketHostAddress;
}

const HEX_ESCAPE = /%(?![0-9a-fA-F]{2})/;
const FORBIDDEN_HOST_CHARS = /[\s/\\?#@[\]]/u;

/**
 * Parses one host identifier of a connection string (connection-string spec "Host"):
 * `host`, `host:port`, `[ipv6]`, `[ipv6]:port`, or a percent-encoded socket path ending in ".sock".
 */
export function parseHostIdentifier(raw: string): HostAddress {
  if (raw.length === 0) throw new MongoParseError('Connection string has an empty host');
  if (raw.startsWith('[')) {
    const close = raw.indexOf(']');
    if (close < 0) throw new MongoParseError(`Unterminated IP literal in host '${raw}'`);
    const host = raw.slice(1, close);
    if (host.length === 0 || !/^[0-9a-fA-F:.%]+$/.test(host))
      throw new MongoParseError(`Invalid IP literal '${raw}'`);
    const rest = raw.slice(close + 1);
    if (rest === '') return new TcpHostAddress(host);
    if (!rest.startsWith(':')) throw new MongoParseError(`Invalid characters after IP literal in '${raw}'`);
    return new TcpHostAddress(host, parsePort(rest.slice(1), raw));
  }
  if (HEX_ESCAPE.test(raw))
    throw new MongoParseError(`Host '${raw}' has a '%' that is not a percent-encoding`);
  const decoded = decode(raw, 'host');
  if (decoded.includes('/')) {
    if (!decoded.endsWith('.sock')) {
      throw new MongoParseError(
        `Unsupported host '${decoded}': UNIX domain socket paths must end in ".sock"`,
      );
    }
    return new SocketHostAddress(decoded);
  }
  const colon = decoded.indexOf(':');
  const host = colon < 0 ? decoded : decoded.slice(0, colon);
  if (host.length === 0) throw new MongoParseError(`Connection string has an empty host in '${raw}'`);
  if (FORBIDDEN_HOST_CHARS.test(host)) throw new MongoParseError(`Invalid characters in host '${host}'`);
  if (colon < 0) return new TcpHostAddress(host);
  return new TcpHostAddress(host, parsePort(decoded.slice(colon + 1), raw));
}

function parsePort(text: string, raw: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new MongoParseError(`Invalid port in host '${raw}'`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new MongoParseError(`Port out of range (1-65535) in host '${raw}'`);
  return port;
}

/** Parses "host:port", "[::1]:port" or a socket path, as used in SDAM and SRV results. */
export function hostAddressFromString(text: string): HostAddress {
  if (text.endsWith('.sock') && text.includes('/')) return new SocketHostAddress(text);
  return parseHostIdentifier(text);
}
