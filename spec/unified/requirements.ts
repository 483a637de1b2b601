// runOnRequirements and schemaVersion (unified test format, "runOnRequirement", "Test Runner Support").
import type { Document } from 'bson';
import { assertMatches } from './match.js';

/** The highest schema version this runner implements; files of 1.x up to it are accepted. */
export const SUPPORTED_SCHEMA_VERSION = '1.26';

/** What the runner learnt about the deployment from its internal client. */
export interface ServerInfo {
  readonly version: string;
  /** 'single' | 'replicaset' | 'sharded' | 'load-balanced' (FerretDB is 'single'). */
  readonly topology: string;
  readonly auth: boolean;
  /** Set when buildInfo carries `ferretdbVersion`. */
  readonly ferretdbVersion?: string;
  /** Behind the replica-set proxy, which plays fail points and sessions FerretDB lacks. */
  readonly proxied?: boolean;
  /** Reads server parameters (getParameter); undefined when the server refuses. */
  readonly serverParameters: () => Promise<Document | undefined>;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Throws when the file's schemaVersion is not one this runner may process. */
export function checkSchemaVersion(version: unknown): void {
  if (typeof version !== 'string') throw new Error('schemaVersion missing');
  const [major] = version.split('.');
  const [supMajor] = SUPPORTED_SCHEMA_VERSION.split('.');
  if (major !== supMajor || compareVersions(version, SUPPORTED_SCHEMA_VERSION) > 0) {
    throw new Error(`unsupported schemaVersion ${version} (runner supports ${SUPPORTED_SCHEMA_VERSION})`);
  }
}

/** Why one requirement is not met, or undefined when it is. */
async function unmet(req: Document, server: ServerInfo): Promise<string | undefined> {
  if (req.minServerVersion && compareVersions(server.version, req.minServerVersion) < 0) {
    return `server ${server.version} < minServerVersion ${req.minServerVersion}`;
  }
  if (req.maxServerVersion && compareVersions(server.version, req.maxServerVersion) > 0) {
    return `server ${server.version} > maxServerVersion ${req.maxServerVersion}`;
  }
  if (Array.isArray(req.topologies) && !req.topologies.includes(server.topology)) {
    return `topology ${server.topology} not in ${req.topologies.join(',')}`;
  }
  if (req.serverless === 'require') return 'requires serverless';
  if (req.auth === true && !server.auth) return 'requires auth';
  if (req.auth === false && server.auth) return 'requires no auth';
  if (req.authMechanism !== undefined && !server.auth) return `requires auth mechanism ${req.authMechanism}`;
  if (req.csfle === true) return 'requires csfle (not implemented)';
  if (req.serverParameters) {
    const params = await server.serverParameters();
    if (!params) return 'server parameters unavailable';
    try {
      assertMatches(req.serverParameters, params);
    } catch {
      return `serverParameters ${JSON.stringify(req.serverParameters)} not met`;
    }
  }
  return undefined;
}

/** Undefined when any requirement is met (or there are none), else the reasons. */
export async function requirementsUnmet(
  reqs: readonly Document[] | undefined,
  server: ServerInfo,
): Promise<string | undefined> {
  if (!reqs || reqs.length === 0) return undefined;
  const reasons: string[] = [];
  for (const r of reqs) {
    const why = await unmet(r, server);
    if (!why) return undefined;
    reasons.push(why);
  }
  return `runOnRequirements not met: ${reasons.join('; ')}`;
}
