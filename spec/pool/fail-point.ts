// Plays a `failCommand` fail point on the handshake the way a server would, for the cmap-format
// "integration" tests: block the hello for blockTimeMS, fail it with errorCode, or close the socket.
import type { Document } from 'bson';
import { MongoNetworkError, MongoServerError } from '../../src/errors.js';

export interface HandshakeFault {
  /** Virtual ms the hello takes. */
  readonly delayMS: number;
  readonly error: Error | undefined;
}

/** Returns the fault for each connection id (decided once per id, in establishment order). */
export function handshakeFaults(failPoint: Document | undefined): (id: number) => HandshakeFault {
  const decided = new Map<number, HandshakeFault>();
  const none: HandshakeFault = { delayMS: 0, error: undefined };
  const data: Document = failPoint?.data ?? {};
  const commands: string[] = Array.isArray(data.failCommands) ? data.failCommands : [];
  const appliesToHello = failPoint?.configureFailPoint === 'failCommand' && commands.includes('hello');
  let remaining =
    typeof failPoint?.mode === 'object' ? Number(failPoint.mode.times) : Number.POSITIVE_INFINITY;
  if (failPoint?.mode === 'off') remaining = 0;
  return (id) => {
    const known = decided.get(id);
    if (known) return known;
    let fault = none;
    if (appliesToHello && remaining > 0) {
      remaining--;
      fault = {
        delayMS: data.blockConnection === true ? Number(data.blockTimeMS ?? 0) : 0,
        error: faultError(data),
      };
    }
    decided.set(id, fault);
    return fault;
  };
}

function faultError(data: Document): Error | undefined {
  if (data.closeConnection === true) return new MongoNetworkError('connection closed by fail point');
  if (typeof data.errorCode === 'number') {
    return new MongoServerError({ ok: 0, code: data.errorCode, errmsg: 'failCommand fail point' });
  }
  return undefined;
}
