import type { Document } from 'bson';
import type { MockAction, MockRequest } from './types.js';

/**
 * The server's `failCommand` fail point, as the retryable-reads/writes and SDAM tests configure it:
 * `{ configureFailPoint: 'failCommand', mode: 'alwaysOn' | 'off' | { times } | { skip }, data }`.
 */
export class FailCommandPoint {
  private mode: 'off' | 'alwaysOn' | { times: number } | { skip: number } = 'off';
  private data: Document = {};

  /** Applies a `configureFailPoint` command; returns the reply. */
  configure(command: Document): Document {
    if (command.configureFailPoint !== 'failCommand') {
      return {
        ok: 0,
        code: 2,
        codeName: 'BadValue',
        errmsg: `unknown fail point ${String(command.configureFailPoint)}`,
      };
    }
    const mode = command.mode;
    if (mode === 'off' || mode === 'alwaysOn') this.mode = mode;
    else if (mode && typeof mode === 'object' && 'times' in mode) this.mode = { times: Number(mode.times) };
    else if (mode && typeof mode === 'object' && 'skip' in mode) this.mode = { skip: Number(mode.skip) };
    else return { ok: 0, code: 2, codeName: 'BadValue', errmsg: 'invalid fail point mode' };
    this.data = (command.data as Document | undefined) ?? {};
    return { ok: 1 };
  }

  /** Returns the action (`appName` in data is not matched) the fail point forces on this request, or undefined to proceed normally. */
  trigger(request: MockRequest): MockAction | undefined {
    const names: unknown = this.data.failCommands;
    if (this.mode === 'off' || !Array.isArray(names) || !names.includes(request.commandName))
      return undefined;
    if (typeof this.mode === 'object' && 'skip' in this.mode) {
      if (this.mode.skip > 0) {
        this.mode = { skip: this.mode.skip - 1 };
        return undefined;
      }
    } else if (typeof this.mode === 'object') {
      if (this.mode.times <= 0) return undefined;
      this.mode = this.mode.times === 1 ? 'off' : { times: this.mode.times - 1 };
    }
    return this.action();
  }

  private action(): MockAction {
    const d = this.data;
    const delayMS = d.blockConnection === true ? Number(d.blockTimeMS ?? 0) : 0;
    if (d.closeConnection === true) return { close: true, delayMS };
    const labels = Array.isArray(d.errorLabels) ? { errorLabels: d.errorLabels } : {};
    if (typeof d.errorCode === 'number') {
      return {
        delayMS,
        reply: { ok: 0, code: d.errorCode, errmsg: 'Failing command via failCommand', ...labels },
      };
    }
    if (d.writeConcernError) {
      return { delayMS, reply: { ok: 1, writeConcernError: d.writeConcernError, ...labels } };
    }
    // Only blocking: the handler still answers, after the delay.
    return { delayMS };
  }
}
