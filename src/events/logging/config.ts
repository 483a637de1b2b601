// Logging configuration (logging spec, "Implementation requirements"): the MONGODB_LOG_*
// environment variables, overridden by the client options. Invalid environment values are ignored
// with a warning; invalid options throw, as every other client option does.
import { MongoParseError } from '../../errors.js';
import type {
  MongoDBLogWritable,
  MongoLoggableComponent,
  MongoLoggerClientOptions,
  SeverityLevel,
} from '../../log-options.js';
import { parseSeverity } from './severity.js';

/** Where messages go: a standard stream, a file (appended to), or the user's writable. */
export type LogDestination =
  | { readonly kind: 'stderr' }
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'writable'; readonly writable: MongoDBLogWritable };

export interface LoggerConfig {
  readonly severities: Readonly<Record<MongoLoggableComponent, SeverityLevel>>;
  /** In Unicode code points (logging spec, "Configurable Max Document Length"). */
  readonly maxDocumentLength: number;
  readonly destination: LogDestination;
  /** Misconfigurations found in the environment (they were ignored). */
  readonly warnings: readonly string[];
}

export const DEFAULT_MAX_DOCUMENT_LENGTH = 1000;

/** Each component and its environment variable (logging spec, "Components"; `client` is the driver's own). */
const COMPONENT_VARIABLES: Readonly<Record<MongoLoggableComponent, string>> = {
  command: 'MONGODB_LOG_COMMAND',
  topology: 'MONGODB_LOG_TOPOLOGY',
  serverSelection: 'MONGODB_LOG_SERVER_SELECTION',
  connection: 'MONGODB_LOG_CONNECTION',
  client: 'MONGODB_LOG_CLIENT',
};
const COMPONENTS = Object.keys(COMPONENT_VARIABLES) as MongoLoggableComponent[];

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The configuration of one client's logger. Per component: the option, then the options'
 * `default`, then the component's variable, then MONGODB_LOG_ALL, else off (programmatic
 * configuration wins over the environment, as the spec requires).
 */
export function resolveLoggerConfig(env: Environment, options: MongoLoggerClientOptions = {}): LoggerConfig {
  const warnings: string[] = [];
  const fromEnv = (name: string): SeverityLevel | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const level = parseSeverity(raw);
    if (level === undefined)
      warnings.push(`${name}=${JSON.stringify(raw)} is not a log severity; it is ignored`);
    return level;
  };
  const given = checkSeverities(options.mongodbLogComponentSeverities);
  const all = fromEnv('MONGODB_LOG_ALL');
  const severities = {} as Record<MongoLoggableComponent, SeverityLevel>;
  for (const c of COMPONENTS) {
    const env = fromEnv(COMPONENT_VARIABLES[c]);
    severities[c] = given[c] ?? given.default ?? env ?? all ?? 'off';
  }
  return {
    severities,
    maxDocumentLength: maxDocumentLengthOf(env, options.mongodbLogMaxDocumentLength, warnings),
    destination: destinationOf(env, options.mongodbLogPath),
    warnings,
  };
}

function checkSeverities(value: unknown): Partial<Record<MongoLoggableComponent | 'default', SeverityLevel>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object')
    throw new MongoParseError("Option 'mongodbLogComponentSeverities' must be an object");
  const out: Partial<Record<MongoLoggableComponent | 'default', SeverityLevel>> = {};
  for (const [key, level] of Object.entries(value)) {
    if (level === undefined) continue;
    if (key !== 'default' && !(COMPONENTS as readonly string[]).includes(key))
      throw new MongoParseError(`mongodbLogComponentSeverities: unknown component '${key}'`);
    const parsed = parseSeverity(level);
    if (parsed === undefined)
      throw new MongoParseError(
        `mongodbLogComponentSeverities.${key}: ${JSON.stringify(level)} is not a log severity`,
      );
    out[key as MongoLoggableComponent | 'default'] = parsed;
  }
  return out;
}

function maxDocumentLengthOf(env: Environment, option: unknown, warnings: string[]): number {
  if (option !== undefined) {
    if (typeof option !== 'number' || !Number.isSafeInteger(option) || option < 0)
      throw new MongoParseError("Option 'mongodbLogMaxDocumentLength' must be a non-negative integer");
    return option;
  }
  const raw = env.MONGODB_LOG_MAX_DOCUMENT_LENGTH;
  if (raw === undefined || raw === '') return DEFAULT_MAX_DOCUMENT_LENGTH;
  if (/^\d+$/.test(raw.trim()) && Number.isSafeInteger(Number(raw))) return Number(raw);
  warnings.push(
    `MONGODB_LOG_MAX_DOCUMENT_LENGTH=${JSON.stringify(raw)} is not a non-negative integer; it is ignored`,
  );
  return DEFAULT_MAX_DOCUMENT_LENGTH;
}

function destinationOf(env: Environment, option: unknown): LogDestination {
  if (option !== undefined) {
    if (typeof option === 'string') {
      const name = option.toLowerCase();
      if (name === 'stderr' || name === 'stdout') return { kind: name };
    } else if (option !== null && typeof (option as Partial<MongoDBLogWritable>).write === 'function') {
      return { kind: 'writable', writable: option as MongoDBLogWritable };
    }
    throw new MongoParseError(
      "Option 'mongodbLogPath' must be 'stderr', 'stdout' or an object with write(log)",
    );
  }
  const raw = env.MONGODB_LOG_PATH;
  if (raw === undefined || raw === '') return { kind: 'stderr' };
  const name = raw.toLowerCase();
  if (name === 'stderr' || name === 'stdout') return { kind: name };
  return { kind: 'file', path: raw };
}
