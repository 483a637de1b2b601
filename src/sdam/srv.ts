import type { SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { MongoAPIError, MongoParseError } from '../errors.js';
import { defer, from, map, type Observable, zip } from '../rx.js';
import { dnsNameToAscii } from '../uri/srv-host-suffix.js';

/**
 * The two DNS queries seedlist discovery needs. A `node:dns/promises` Resolver satisfies it (tests
 * pass one with `setServers(['127.0.0.1:PORT'])`).
 */
export interface SrvResolver {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolveTxt(name: string): Promise<string[][]>;
}

export interface SrvLookupOptions {
  /** srvServiceName: default "mongodb". */
  readonly serviceName?: string;
  /** srvMaxHosts: 0 (default) = all hosts. */
  readonly maxHosts?: number;
  readonly resolver?: SrvResolver;
  /** For the random srvMaxHosts subset (tests make it deterministic). */
  readonly random?: () => number;
  /** srvAllowedHostsSuffix (normalized) or srvHostValidator: replace the default domain check. */
  readonly verification?: SrvHostVerification;
}

/** How SRV targets are checked: at most one of the two is set (parse rejects both together). */
export interface SrvHostVerification {
  /** Normalized: lowercase A-label, leading ".". */
  readonly allowedHostsSuffix?: string;
  readonly hostValidator?: (host: string) => boolean;
}

/** Result of resolving a mongodb+srv host: the seed list and the TXT record's default options. */
export interface SrvResult {
  readonly hosts: readonly string[];
  /** Only authSource, replicaSet and loadBalanced, keyed by their canonical names. */
  readonly options: Readonly<Record<string, string>>;
}

/** Options a TXT record may set (initial-dns-seedlist-discovery "Default Connection String Options"). */
const TXT_OPTIONS: Readonly<Record<string, string>> = {
  authsource: 'authSource',
  replicaset: 'replicaSet',
  loadbalanced: 'loadBalanced',
};

export function defaultResolver(): SrvResolver {
  const r = new Resolver();
  return { resolveSrv: (n) => r.resolveSrv(n), resolveTxt: (n) => r.resolveTxt(n) };
}

/** The SRV query name: `_{srvServiceName}._tcp.{hostname}`. */
export function srvQueryName(host: string, serviceName = 'mongodb'): string {
  return `_${serviceName}._tcp.${host}`;
}

/** "Validation Before Querying DNS": one host name, no port. */
export function validateSrvHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.length === 0) throw new MongoParseError('mongodb+srv URI requires a host name');
  if (h.includes(',')) throw new MongoParseError('mongodb+srv URI cannot have more than one host name');
  if (h.includes(':')) throw new MongoParseError('mongodb+srv URI cannot have a port number');
  return h;
}

/**
 * "Querying DNS": a returned target must share the SRV host's {domainname} (the host minus its
 * left-most part when it has three or more parts, else the whole host), and for hosts with fewer
 * than three parts it must have at least one more level.
 */
export function matchesSrvDomain(srvHost: string, target: string): boolean {
  const host = srvHost.toLowerCase().replace(/\.$/, '');
  const t = target.toLowerCase().replace(/\.$/, '');
  const parts = host.split('.');
  const domain = parts.length >= 3 ? parts.slice(1).join('.') : host;
  // Ending with ".{domainname}" also gives short hosts their extra level.
  return t.endsWith(`.${domain}`);
}

/** "host:port" of an SRV record target. */
export function srvRecordAddress(record: SrvRecord): string {
  return `${record.name.toLowerCase().replace(/\.$/, '')}:${record.port}`;
}

/** Fisher-Yates pick of `max` hosts (all when max is 0 or at least their number). */
export function selectSrvHosts(
  hosts: readonly string[],
  max: number,
  random: () => number = Math.random,
): string[] {
  const copy = [...hosts];
  if (max <= 0 || max >= copy.length) return copy;
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as string, copy[i] as string];
  }
  return copy.slice(0, max);
}

/** Parses the TXT records of the SRV host (at most one record; its strings are concatenated). */
export function parseTxtRecords(records: readonly (readonly string[])[]): Record<string, string> {
  if (records.length > 1)
    throw new MongoParseError('Multiple TXT records are not allowed for a mongodb+srv host');
  const text = records[0]?.join('') ?? '';
  const options: Record<string, string> = {};
  if (text.length === 0) return options;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new MongoParseError(`Malformed TXT record option: ${JSON.stringify(pair)}`);
    const key = decodeURIComponent(pair.slice(0, eq));
    const value = decodeURIComponent(pair.slice(eq + 1));
    const name = TXT_OPTIONS[key.toLowerCase()];
    if (!name)
      throw new MongoParseError(
        `TXT record option ${key} is not allowed (only authSource, replicaSet, loadBalanced)`,
      );
    if (value.length === 0) throw new MongoParseError(`TXT record option ${key} has no value`);
    if (name === 'loadBalanced' && value !== 'true' && value !== 'false') {
      throw new MongoParseError(
        `TXT record option loadBalanced must be true or false, got ${JSON.stringify(value)}`,
      );
    }
    options[name] = value;
  }
  return options;
}

/**
 * Checks one SRV target. Exactly one check applies, as in the official driver: the validator's
 * verdict (a throw or a non-boolean is a MongoAPIError carrying it), else the suffix (the target,
 * normalized to lowercase A-label form, must end with it), else the target shares the SRV host's
 * domain. Throws when the target is refused.
 */
export function verifySrvTarget(
  srvHost: string,
  target: string,
  verification: SrvHostVerification = {},
): void {
  const { allowedHostsSuffix, hostValidator } = verification;
  if (hostValidator === undefined && allowedHostsSuffix === undefined) {
    if (!matchesSrvDomain(srvHost, target)) {
      throw new MongoParseError(`SRV record ${target} does not share the domain of ${srvHost}`);
    }
    return;
  }
  const host = dnsNameToAscii(target.replace(/\.$/, ''));
  if (host === undefined) throw new MongoAPIError(`SRV record ${target} is not a valid DNS host name`);
  if (hostValidator !== undefined) {
    let verdict: unknown;
    try {
      verdict = hostValidator(host);
    } catch (error) {
      throw new MongoAPIError('srvHostValidator threw an error', { cause: error });
    }
    if (typeof verdict !== 'boolean') throw new MongoAPIError('srvHostValidator must return a boolean');
    if (!verdict) throw new MongoAPIError(`Server record ${host} was rejected by srvHostValidator`);
    return;
  }
  if (!host.endsWith(allowedHostsSuffix as string)) {
    throw new MongoAPIError(
      `Server record ${host} does not end with srvAllowedHostsSuffix ${allowedHostsSuffix}`,
    );
  }
}

/** Validated, deduplicated addresses of SRV records; errors on none or a refused target. */
export function hostsFromSrvRecords(
  srvHost: string,
  records: readonly SrvRecord[],
  verification?: SrvHostVerification,
): string[] {
  if (records.length === 0) throw new MongoParseError(`No SRV records found for ${srvHost}`);
  for (const r of records) verifySrvTarget(srvHost, r.name, verification);
  return [...new Set(records.map(srvRecordAddress))];
}

/** The targets a check accepts (SRV polling: refused ones are dropped, never an error). */
export function acceptedSrvRecords(
  srvHost: string,
  records: readonly SrvRecord[],
  verification?: SrvHostVerification,
): SrvRecord[] {
  return records.filter((r) => {
    try {
      verifySrvTarget(srvHost, r.name, verification);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Initial DNS seedlist discovery: queries SRV and TXT for a mongodb+srv host and returns the seed
 * list (a random `maxHosts` subset when set) and the TXT default options. Cold: queries on subscribe.
 */
export function resolveSrvHost(hostname: string, options: SrvLookupOptions = {}): Observable<SrvResult> {
  return defer(() => {
    const host = validateSrvHost(hostname);
    const resolver = options.resolver ?? defaultResolver();
    const srv$ = from(
      resolver.resolveSrv(srvQueryName(host, options.serviceName)).catch((e: unknown) => {
        throw new MongoParseError(`SRV lookup for ${host} failed: ${(e as Error).message}`, { cause: e });
      }),
    );
    const txt$ = from(resolver.resolveTxt(host).catch((e: unknown) => noRecords(e, host)));
    return zip(srv$, txt$).pipe(
      map(([srv, txt]) => ({
        hosts: selectSrvHosts(
          hostsFromSrvRecords(host, srv, options.verification),
          options.maxHosts ?? 0,
          options.random,
        ),
        options: parseTxtRecords(txt),
      })),
    );
  });
}

/** A missing TXT record is fine; any other DNS failure is an error. */
function noRecords(e: unknown, host: string): string[][] {
  const code = (e as { code?: unknown }).code;
  if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
  throw new MongoParseError(`TXT lookup for ${host} failed: ${(e as Error).message}`, { cause: e });
}
