import type { Document, Timestamp } from 'bson';
import { MongoNetworkError, MongoServerError } from '../errors.js';
import type { ResumeToken } from './change-stream-events.js';

/** change-streams "Resumable Error": the label servers from 4.4 (wire 9) attach. */
export const RESUMABLE_CHANGE_STREAM_ERROR = 'ResumableChangeStreamError';
const LABELS_FROM_WIRE = 9;
const CURSOR_NOT_FOUND = 43;
/** The codes that are resumable on servers before 4.4. */
const RESUMABLE_CODES = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 13388, 234, 133,
]);

/**
 * Whether a change stream resumes after `error` (change-streams "Resumable Error"): only errors of
 * a getMore count; any error that is not a server error (network, timeout); CursorNotFound; from
 * 4.4 a server error with the ResumableChangeStreamError label; before 4.4 the listed codes.
 * `maxWireVersion` is that of the server the failed command went to.
 */
export function isResumableChangeStreamError(
  error: unknown,
  getMore: boolean,
  maxWireVersion: number,
): boolean {
  if (!getMore) return false;
  if (error instanceof MongoNetworkError) return true;
  if (!(error instanceof MongoServerError)) return false;
  if (error.code === CURSOR_NOT_FOUND) return true;
  if (maxWireVersion >= LABELS_FROM_WIRE) return error.hasErrorLabel(RESUMABLE_CHANGE_STREAM_ERROR);
  return error.code !== undefined && RESUMABLE_CODES.has(error.code);
}

/** The start options of a `$changeStream` stage. */
export interface StartOptions {
  readonly resumeAfter?: ResumeToken;
  readonly startAfter?: ResumeToken;
  readonly startAtOperationTime?: Timestamp;
}

/** What a change stream knows when it resumes. */
export interface ResumeState {
  /** The cached resume token (see ResumeTokenCache). */
  readonly token: ResumeToken | undefined;
  /** The stream was started with startAfter. */
  readonly startedAfter: boolean;
  /** At least one event was emitted. */
  readonly emitted: boolean;
  /** The original startAtOperationTime, or the operationTime saved from the first aggregate. */
  readonly operationTime: Timestamp | undefined;
}

/**
 * change-streams "Resume Process": the start options of the `$changeStream` stage that resumes.
 * With a token: startAfter while a startAfter stream has emitted nothing, else resumeAfter; without
 * one: startAtOperationTime when an operation time is known; else the original options (none).
 */
export function resumeStartOptions(state: ResumeState): StartOptions {
  if (state.token !== undefined) {
    return state.startedAfter && !state.emitted ? { startAfter: state.token } : { resumeAfter: state.token };
  }
  if (state.operationTime !== undefined) return { startAtOperationTime: state.operationTime };
  return {};
}

/**
 * The `$changeStream` stage: the user's stage options with the start options replaced by `start`
 * (the original ones on the first open). Unknown options pass through to the server.
 */
export function changeStreamStage(
  options: Document,
  start: StartOptions | undefined,
  allChangesForCluster: boolean,
): Document {
  const stage: Document = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) stage[k] = v;
  if (start) {
    delete stage.resumeAfter;
    delete stage.startAfter;
    delete stage.startAtOperationTime;
    Object.assign(stage, start);
  }
  if (allChangesForCluster) stage.allChangesForCluster = true;
  return { $changeStream: stage };
}
