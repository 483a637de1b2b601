// `configureFailPoint` as mongod implements the fail points the spec suites use: `failCommand` and
// `onPrimaryTransactionalWrite`, with the modes off / alwaysOn / {times} / {skip} /
// {activationProbability}. A point counts (times, skip) only requests its data matches.
import type { Document } from 'bson';

type Mode =
  | { kind: 'off' }
  | { kind: 'alwaysOn' }
  | { kind: 'times'; n: number }
  | { kind: 'skip'; n: number }
  | { kind: 'probability'; p: number };

function parseMode(mode: unknown): Mode | string {
  if (mode === 'off') return { kind: 'off' };
  if (mode === 'alwaysOn') return { kind: 'alwaysOn' };
  if (typeof mode !== 'object' || mode === null) return `invalid mode ${String(mode)}`;
  const m = mode as Document;
  const number = (v: unknown) => (v === undefined ? Number.NaN : Number(v));
  if ('times' in m) {
    const n = number(m.times);
    return Number.isInteger(n) && n >= 0 ? { kind: 'times', n } : 'mode.times must be an integer >= 0';
  }
  if ('skip' in m) {
    const n = number(m.skip);
    return Number.isInteger(n) && n >= 0 ? { kind: 'skip', n } : 'mode.skip must be an integer >= 0';
  }
  if ('activationProbability' in m) {
    const p = number(m.activationProbability);
    return p >= 0 && p <= 1 ? { kind: 'probability', p } : 'mode.activationProbability must be in [0, 1]';
  }
  return 'mode must be off, alwaysOn, {times}, {skip} or {activationProbability}';
}

export class FailPoint {
  private mode: Mode = { kind: 'off' };
  private pointData: Document = {};
  /** Times the point fired since it was last configured. */
  fired = 0;

  constructor(private readonly random: () => number) {}

  get data(): Document {
    return this.pointData;
  }

  get on(): boolean {
    return this.mode.kind !== 'off';
  }

  /** Returns an error message when the mode is invalid. */
  set(mode: unknown, data: Document): string | undefined {
    const parsed = parseMode(mode);
    if (typeof parsed === 'string') return parsed;
    this.mode = parsed.kind === 'times' && parsed.n === 0 ? { kind: 'off' } : parsed;
    this.pointData = data;
    this.fired = 0;
    return undefined;
  }

  /** The point's data when it fires for a request its data `matches`, else undefined. */
  fire(matches: (data: Document) => boolean): Document | undefined {
    const mode = this.mode;
    if (mode.kind === 'off' || !matches(this.pointData)) return undefined;
    if (mode.kind === 'skip') {
      if (mode.n > 0) {
        mode.n--;
        return undefined;
      }
    } else if (mode.kind === 'times') {
      mode.n--;
      if (mode.n === 0) this.mode = { kind: 'off' };
    } else if (mode.kind === 'probability' && this.random() >= mode.p) {
      return undefined;
    }
    this.fired++;
    return this.pointData;
  }
}

/** The request facts `failCommand`'s data is matched against. */
export interface FailPointRequest {
  readonly commandName: string;
  readonly appName: string | undefined;
  readonly db: string;
  readonly command: Document;
}

/** mongod matches command names as registered: the lowercase aliases fold to them. */
const ALIASES: Readonly<Record<string, string>> = { ismaster: 'isMaster', findandmodify: 'findAndModify' };

export function failCommandMatches(data: Document, request: FailPointRequest): boolean {
  const names: unknown = data.failCommands;
  const name = ALIASES[request.commandName] ?? request.commandName;
  if (!Array.isArray(names) || !names.includes(name)) return false;
  if (typeof data.appName === 'string' && data.appName !== request.appName) return false;
  if (typeof data.namespace === 'string') {
    const coll: unknown = request.command[request.commandName];
    if (typeof coll !== 'string' || `${request.db}.${coll}` !== data.namespace) return false;
  }
  return true;
}

/** What a fired `failCommand` does, in mongod's order: block, then close / error / run. */
export interface FailCommandAction {
  readonly blockMS: number;
  readonly closeConnection: boolean;
  readonly errorCode: number | undefined;
  readonly errorLabels: readonly string[] | undefined;
  /** The command runs, then this is added to its reply. */
  readonly writeConcernError: Document | undefined;
  /** Ours: the command runs at the upstream, then the connection closes without the reply. */
  readonly dropReplyAfterExecution: boolean;
}

export function failCommandAction(data: Document): FailCommandAction {
  const labels: unknown = data.errorLabels;
  return {
    blockMS: data.blockConnection === true ? Number(data.blockTimeMS ?? 0) : 0,
    closeConnection: data.closeConnection === true,
    errorCode: data.errorCode === undefined ? undefined : Number(data.errorCode),
    errorLabels: Array.isArray(labels) ? labels.map(String) : undefined,
    writeConcernError:
      typeof data.writeConcernError === 'object' && data.writeConcernError !== null
        ? (data.writeConcernError as Document)
        : undefined,
    dropReplyAfterExecution: data.dropReplyAfterExecution === true,
  };
}

/**
 * `onPrimaryTransactionalWrite` (retryable writes on the primary): with
 * `failBeforeCommitExceptionCode` the write is not applied; otherwise it is. Then the connection
 * closes (`closeConnection`, default true), or the error (or the reply) is sent.
 */
export interface TransactionalWriteAction {
  readonly failBeforeCommitCode: number | undefined;
  readonly closeConnection: boolean;
}

export function transactionalWriteAction(data: Document): TransactionalWriteAction {
  return {
    failBeforeCommitCode:
      data.failBeforeCommitExceptionCode === undefined
        ? undefined
        : Number(data.failBeforeCommitExceptionCode),
    closeConnection: data.closeConnection !== false,
  };
}

export const FAIL_POINT_NAMES = [
  'failCommand',
  'onPrimaryTransactionalWrite',
  'failGetMoreAfterCursorCheckout',
] as const;
export type FailPointName = (typeof FAIL_POINT_NAMES)[number];

/** The fail points of one member (or of the whole deployment, when shared). */
export class FailPoints {
  readonly failCommand: FailPoint;
  readonly onPrimaryTransactionalWrite: FailPoint;
  /** Change streams (change-streams/index.ts): a getMore of a change stream fails with errorCode. */
  readonly failGetMoreAfterCursorCheckout: FailPoint;

  constructor(random: () => number) {
    this.failCommand = new FailPoint(random);
    this.onPrimaryTransactionalWrite = new FailPoint(random);
    this.failGetMoreAfterCursorCheckout = new FailPoint(random);
  }

  /** Applies a `configureFailPoint` command; returns the reply body (without cluster time). */
  configure(command: Document): Document {
    const name: unknown = command.configureFailPoint;
    if (!FAIL_POINT_NAMES.includes(name as FailPointName)) {
      return { ok: 0, code: 2, codeName: 'BadValue', errmsg: `rs-proxy: unknown fail point ${String(name)}` };
    }
    const data = typeof command.data === 'object' && command.data !== null ? (command.data as Document) : {};
    const point = this[name as FailPointName];
    const count = point.fired;
    const error = point.set(command.mode, data);
    if (error) return { ok: 0, code: 2, codeName: 'BadValue', errmsg: error };
    return { count, ok: 1 };
  }
}
