import type { Document } from 'bson';
import { Long } from 'bson';

/** A `find`/`aggregate` (firstBatch) or `getMore` (nextBatch) reply. `id` 0 means exhausted. */
export function cursorReply(
  ns: string,
  batch: readonly Document[],
  id: bigint | number = 0,
  kind: 'firstBatch' | 'nextBatch' = 'firstBatch',
): Document {
  return { cursor: { id: Long.fromBigInt(BigInt(id)), ns, [kind]: batch }, ok: 1 };
}
