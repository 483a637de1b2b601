// The public shape of logging (logging spec): severities, components, one structured message,
// where messages go, and the client options that configure it. Types only, below every layer,
// so the options (uri/) and the logger (events/logging/) share them.

/** The logging spec's severity levels, most severe first, and `off`. */
export type SeverityLevel =
  | 'off'
  | 'emergency'
  | 'alert'
  | 'critical'
  | 'error'
  | 'warn'
  | 'notice'
  | 'info'
  | 'debug'
  | 'trace';

/**
 * The spec's components (`command`, `topology`, `serverSelection`, `connection`) and the driver's
 * own `client` (option warnings), as the official Node driver names them.
 */
export type MongoLoggableComponent = 'command' | 'topology' | 'serverSelection' | 'connection' | 'client';

/**
 * One structured log message: `t` when, `c` the component, `s` the severity, `message` the
 * spec's message string, and the spec's fields (documents as relaxed extended JSON strings,
 * truncated to the maximum document length).
 */
export interface Log extends Record<string, unknown> {
  readonly t: Date;
  readonly c: MongoLoggableComponent;
  readonly s: SeverityLevel;
  readonly message: string;
}

/** A destination for log messages (`mongodbLogPath`): each message is passed to `write`. */
export interface MongoDBLogWritable {
  /** Receives one structured message; a returned Promise that rejects only produces a process warning. */
  write(log: Log): unknown;
}

/** Minimum severity per component; `default` applies to the components not named. */
export type MongoDBLogComponentSeverities = {
  readonly [C in MongoLoggableComponent | 'default']?: SeverityLevel;
};

/**
 * Logging options of `new MongoClient(uri, options)`. They override the `MONGODB_LOG_*`
 * environment variables (logging spec, "Supporting Both Programmatic and Environment Variable
 * Configuration").
 */
export interface MongoLoggerClientOptions {
  /** `'stderr'` (default), `'stdout'`, or an object whose `write(log)` receives each message. */
  mongodbLogPath?: 'stderr' | 'stdout' | MongoDBLogWritable;
  /** Minimum severity per component (e.g. `{ command: 'debug' }`); nothing is logged by default. */
  mongodbLogComponentSeverities?: MongoDBLogComponentSeverities;
  /** Longest extended JSON of a document in a message before it is cut (default 1000 code points). */
  mongodbLogMaxDocumentLength?: number;
}
