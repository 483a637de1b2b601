import { existsSync } from 'node:fs';
import * as os from 'node:os';
import { calculateObjectSize, type Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import { DRIVER_NAME, DRIVER_VERSION } from '../version.js';

/** The handshake's `client` document may not exceed 512 bytes (mongodb-handshake, "Limitations"). */
export const MAX_METADATA_BYTES = 512;

/** What a wrapping library appends (handshake spec, "Supporting Wrapping Libraries"). */
export interface DriverInfo {
  readonly name?: string;
  readonly version?: string;
  readonly platform?: string;
}

export interface MetadataOptions {
  readonly appName?: string;
  /** Wrapping libraries append their name/version/platform, separated by "|" (in order). */
  readonly driverInfo?: DriverInfo | readonly DriverInfo[];
  /** The `env` document; default: detected from this process (environmentMetadata). */
  readonly env?: Document | null;
}

/** Builds the `client` document of the handshake, truncated to 512 bytes in the spec's order. */
export function buildClientMetadata(options: MetadataOptions = {}): Document {
  const infos = (Array.isArray(options.driverInfo) ? options.driverInfo : [options.driverInfo]).filter(
    (i): i is DriverInfo => i !== undefined,
  );
  const appended = (key: keyof DriverInfo, base: string) =>
    [base, ...infos.map((i) => i[key]).filter((v): v is string => typeof v === 'string' && v !== '')].join(
      '|',
    );
  const metadata: Document = {};
  if (options.appName) metadata.application = { name: truncateUtf8(options.appName, 128) };
  metadata.driver = { name: appended('name', DRIVER_NAME), version: appended('version', DRIVER_VERSION) };
  metadata.os = {
    type: os.type(),
    name: process.platform,
    architecture: process.arch,
    version: os.release(),
  };
  metadata.platform = appended('platform', `Node.js ${process.version}, ${os.endianness()}`);
  const env = options.env === undefined ? environmentMetadata() : options.env;
  if (env) metadata.env = env;
  return truncateMetadata(metadata);
}

/** Equal when they give the same metadata: an empty string is unset (handshake spec). */
function sameDriverInfo(a: DriverInfo, b: DriverInfo): boolean {
  const norm = (v: string | undefined) => (v === '' ? undefined : v);
  return (['name', 'version', 'platform'] as const).every((k) => norm(a[k]) === norm(b[k]));
}

/** Checks a DriverInfo: strings only, none containing the "|" delimiter (MongoInvalidArgumentError). */
export function checkDriverInfo(info: unknown): DriverInfo {
  if (info === null || typeof info !== 'object')
    throw new MongoInvalidArgumentError(
      'driverInfo must be an object with name, version and platform strings',
    );
  const out: Record<string, string> = {};
  for (const key of ['name', 'version', 'platform'] as const) {
    const v = (info as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new MongoInvalidArgumentError(`driverInfo.${key} must be a string`);
    if (v.includes('|')) throw new MongoInvalidArgumentError(`driverInfo.${key} must not contain "|"`);
    out[key] = v;
  }
  return out;
}

/**
 * A client's metadata: built once, rebuilt when a wrapping library appends its DriverInfo
 * (`MongoClient.appendMetadata`). Connections read `document` when they are made, so only new
 * connections carry an update (handshake spec, "Metadata updates after MongoClient initialization").
 */
export class ClientMetadata {
  private readonly infos: DriverInfo[];
  private current: Document;

  constructor(
    private readonly options: Omit<MetadataOptions, 'driverInfo'> & { readonly driverInfo?: DriverInfo },
  ) {
    this.infos = options.driverInfo ? [checkDriverInfo(options.driverInfo)] : [];
    this.current = this.build();
  }

  get document(): Document {
    return this.current;
  }

  /** Appends `info` unless an equal one was given before; returns whether the metadata changed. */
  append(info: DriverInfo): boolean {
    const checked = checkDriverInfo(info);
    if (this.infos.some((i) => sameDriverInfo(i, checked))) return false;
    this.infos.push(checked);
    this.current = this.build();
    return true;
  }

  private build(): Document {
    return buildClientMetadata({ ...this.options, driverInfo: this.infos });
  }
}

const int32 = (v: string | undefined): number | undefined => {
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return undefined;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
};

/** The FaaS provider the environment names, if exactly one (vercel wins over aws.lambda). */
function faasName(env: NodeJS.ProcessEnv): string | undefined {
  const set = (k: string) => env[k] !== undefined && env[k] !== '';
  const found: string[] = [];
  if (env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_') || set('AWS_LAMBDA_RUNTIME_API'))
    found.push('aws.lambda');
  if (set('FUNCTIONS_WORKER_RUNTIME')) found.push('azure.func');
  if (set('K_SERVICE') || set('FUNCTION_NAME')) found.push('gcp.func');
  if (set('VERCEL')) found.push('vercel');
  if (found.length === 2 && found.includes('vercel') && found.includes('aws.lambda')) return 'vercel';
  return found.length === 1 ? found[0] : undefined;
}

/**
 * The handshake's `client.env` (handshake spec, "client.env"): the FaaS provider with its region,
 * memory and timeout where the environment gives them (values of the wrong type are left out),
 * and `container` (docker when /.dockerenv exists, kubernetes when KUBERNETES_SERVICE_HOST is set).
 * Undefined when nothing is known.
 */
export function environmentMetadata(
  env: NodeJS.ProcessEnv = process.env,
  dockerenv: boolean = existsSync('/.dockerenv'),
): Document | undefined {
  const out: Document = {};
  const name = faasName(env);
  if (name) {
    out.name = name;
    const fields: Record<string, Array<[string, string, 'string' | 'int32']>> = {
      'aws.lambda': [
        ['region', 'AWS_REGION', 'string'],
        ['memory_mb', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'int32'],
      ],
      'gcp.func': [
        ['memory_mb', 'FUNCTION_MEMORY_MB', 'int32'],
        ['timeout_sec', 'FUNCTION_TIMEOUT_SEC', 'int32'],
        ['region', 'FUNCTION_REGION', 'string'],
      ],
      vercel: [['region', 'VERCEL_REGION', 'string']],
    };
    for (const [field, variable, type] of fields[name] ?? []) {
      const raw = env[variable];
      const value = type === 'int32' ? int32(raw) : raw || undefined;
      if (value !== undefined) out[field] = value;
    }
  }
  const container: Document = {};
  if (dockerenv) container.runtime = 'docker';
  if (env.KUBERNETES_SERVICE_HOST) container.orchestrator = 'kubernetes';
  if (Object.keys(container).length > 0) out.container = container;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Truncation order (mongodb-handshake, "Limitations"): env fields but name, os fields but type,
 * the env document, then the platform string.
 */
export function truncateMetadata(metadata: Document): Document {
  const fits = (m: Document) => calculateObjectSize(m) <= MAX_METADATA_BYTES;
  if (fits(metadata)) return metadata;
  let m: Document = { ...metadata };
  if (m.env) {
    const { env, ...rest } = m;
    m = env.name === undefined ? rest : { ...rest, env: { name: env.name } };
  }
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
