// Change streams played by the proxy (FerretDB has none): the writes it forwards are logged as
// change events (change-log.ts, recorder.ts) and `$changeStream` cursors are served from that log
// (cursors.ts). What is not played is listed in the proxy README ("Change streams").
import type { Document, Timestamp } from 'bson';
import type { FailPoint } from '../fail-point.js';
import { ChangeLog } from './change-log.js';
import { ChangeStreamCursors, type CursorRequest, failure } from './cursors.js';
import { observeWrite, type PendingEntry, type WriteObservation } from './recorder.js';

export { ChangeLog } from './change-log.js';
export { token } from './cursors.js';

/** The codes mongod labels ResumableChangeStreamError on a change stream's getMore (4.4+). */
const RESUMABLE_CODES = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 13388, 234, 133,
]);
export const RESUMABLE_LABEL = 'ResumableChangeStreamError';

export class ChangeStreams {
  readonly log = new ChangeLog();
  readonly cursors = new ChangeStreamCursors(this.log);

  /** Whether this request is the proxy's to answer: a $changeStream aggregate, or one of its cursors. */
  handles(name: string, command: Document): boolean {
    if (name === 'aggregate') {
      const first: unknown = Array.isArray(command.pipeline) ? command.pipeline[0] : undefined;
      return typeof first === 'object' && first !== null && '$changeStream' in first;
    }
    if (name === 'getMore') return this.cursors.owns(command.getMore);
    if (name === 'killCursors')
      return (
        Array.isArray(command.cursors) &&
        command.cursors.length > 0 &&
        command.cursors.every((id) => this.cursors.owns(id))
      );
    return false;
  }

  /**
   * Answers a request `handles` accepted. `failGetMore` is the member's
   * failGetMoreAfterCursorCheckout point: a getMore it fires on fails with its errorCode, labelled
   * ResumableChangeStreamError when mongod would label it.
   */
  async answer(name: string, r: CursorRequest, failGetMore: FailPoint): Promise<Document> {
    if (name === 'aggregate') return this.cursors.open(r);
    if (name === 'killCursors') return this.cursors.kill(r.command.cursors as unknown[]);
    const fired = failGetMore.fire(() => true);
    if (fired && fired.errorCode !== undefined) {
      const code = Number(fired.errorCode);
      const labels = Array.isArray(fired.errorLabels)
        ? fired.errorLabels.map(String)
        : RESUMABLE_CODES.has(code)
          ? [RESUMABLE_LABEL]
          : [];
      return failure(
        code,
        `Error${code}`,
        "Failing command via 'failGetMoreAfterCursorCheckout' failpoint",
        labels,
      );
    }
    return this.cursors.getMore(r);
  }

  /** A committed transaction's events, all at `time` (mongod logs them in one applyOps entry). */
  append(entries: readonly PendingEntry[], time: Timestamp): void {
    for (const entry of entries) this.log.append({ ...entry, clusterTime: time });
  }

  /** Before a write is forwarded: what it will log (reads pre-images at the upstream now). */
  readonly observe = observeWrite;

  /**
   * After the write succeeded: logs its events, the first at `first` (the write's time), each
   * further one at a new tick; returns the time of the last (the reply's operationTime).
   */
  async commit(
    observation: WriteObservation,
    reply: Document,
    first: Timestamp,
    tick: () => Timestamp,
  ): Promise<Timestamp> {
    const entries = await observation.after(reply);
    let time = first;
    entries.forEach((entry, i) => {
      if (i > 0) time = tick();
      this.log.append({ ...entry, clusterTime: time });
    });
    return time;
  }
}
