import { MongoParseError } from '../errors.js';
import { decode } from './decode.js';
import { type HostAddress, parseHostIdentifier } from './host-address.js';

/** The pieces of a connection string, before any option is interpreted. */
export interface ConnectionStringParts {
  readonly srv: boolean;
  /** Present when the URI had userinfo (even an empty one: that is an error later, per auth spec). */
  readonly userinfo?: { readonly username: string; readonly password: string | undefined };
  readonly hosts: readonly HostAddress[];
  /** The host identifiers as written (to tell whether a port was given). */
  readonly rawHosts: readonly string[];
  /** The decoded auth database from the path, when given. */
  readonly dbName: string | undefined;
  /** Raw `key=value` pairs in order; keys as written, values still percent-encoded. */
  readonly options: readonly (readonly [string, string])[];
}

const SCHEMES = [
  ['mongodb://', false],
  ['mongodb+srv://', true],
] as const;

const BAD_PERCENT = /%(?![0-9a-fA-F]{2})/;
const FORBIDDEN_DB_CHARS = /[/\\ "$]/;

/**
 * Splits a connection string as the connection-string spec's reference algorithm does:
 * scheme, then hosts up to the first "/" or "?", userinfo before the last "@", auth database,
 * options. Throws MongoParseError for malformed input. Messages never include the password.
 */
export function splitConnectionString(uri: string): ConnectionStringParts {
  if (typeof uri !== 'string' || uri.length === 0)
    throw new MongoParseError('Connection string must be a non-empty string');
  const scheme = SCHEMES.find(([prefix]) => uri.slice(0, prefix.length).toLowerCase() === prefix);
  if (!scheme)
    throw new MongoParseError(
      'Invalid scheme: connection string must start with "mongodb://" or "mongodb+srv://"',
    );
  const [prefix, srv] = scheme;
  const rest = uri.slice(prefix.length);

  const hostEnd = firstIndexOf(rest, ['/', '?']);
  const authority = rest.slice(0, hostEnd);
  const tail = rest.slice(hostEnd);

  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : parseUserinfo(authority.slice(0, at));
  const hostList = at < 0 ? authority : authority.slice(at + 1);
  if (hostList.length === 0) throw new MongoParseError('Connection string must contain at least one host');

  // An '@' after the host list may mean userinfo held an unescaped '/' or '?': the "host" or
  // "database" we would report could then be part of the password, so do not echo them.
  const hidden = tail.includes('@');
  return withoutEcho(hidden, () => {
    const rawHosts = hostList.split(',');
    const hosts = rawHosts.map(parseHostIdentifier);
    let dbName: string | undefined;
    let query = '';
    if (tail.startsWith('/')) {
      const q = tail.indexOf('?');
      const path = q < 0 ? tail.slice(1) : tail.slice(1, q);
      query = q < 0 ? '' : tail.slice(q + 1);
      if (path.length > 0) dbName = parseDbName(path);
    } else if (tail.startsWith('?')) {
      query = tail.slice(1);
    }
    return { srv, userinfo, hosts, rawHosts, dbName, options: splitQuery(query) };
  });
}

function withoutEcho<T>(hidden: boolean, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (!hidden || !(e instanceof MongoParseError)) throw e;
    throw new MongoParseError(
      "Invalid host or database name (not shown: the username or password may contain an unescaped '/', '?' or '@' and must be URL encoded)",
    );
  }
}

function firstIndexOf(text: string, chars: readonly string[]): number {
  const found = chars.map((c) => text.indexOf(c)).filter((i) => i >= 0);
  return found.length === 0 ? text.length : Math.min(...found);
}

function parseUserinfo(raw: string): { username: string; password: string | undefined } {
  // Connection-string spec "Userinfo": '@', a second ':' or a bare '%' mean it was not URL encoded.
  const mustEncode = 'Username and password must be URL encoded';
  if (raw.includes('@')) throw new MongoParseError(`Userinfo contains an unescaped '@'. ${mustEncode}`);
  if (BAD_PERCENT.test(raw))
    throw new MongoParseError(`Userinfo contains a '%' that is not a percent-encoding. ${mustEncode}`);
  const colon = raw.indexOf(':');
  const rawUser = colon < 0 ? raw : raw.slice(0, colon);
  const rawPassword = colon < 0 ? undefined : raw.slice(colon + 1);
  if (rawPassword?.includes(':'))
    throw new MongoParseError(`Password contains an unescaped ':'. ${mustEncode}`);
  return {
    username: decode(rawUser, 'username'),
    password: rawPassword === undefined ? undefined : decode(rawPassword, 'password'),
  };
}

function parseDbName(raw: string): string {
  const name = decode(raw, 'database name');
  if (FORBIDDEN_DB_CHARS.test(name)) {
    throw new MongoParseError(`Database name '${name}' must not contain '/', '\\', ' ', '"' or '$'`);
  }
  return name;
}

function splitQuery(query: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new MongoParseError(`Incomplete key value pair for option '${part}'`);
    pairs.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  return pairs;
}
