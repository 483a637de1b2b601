const MAX_INT32 = 0x7fffffff;
let lastRequestId = 0;

/** Process-wide increasing positive int32 request id; wraps to 1 after 2^31-1. */
export function nextRequestId(): number {
  lastRequestId = lastRequestId >= MAX_INT32 ? 1 : lastRequestId + 1;
  return lastRequestId;
}
