// The benchmark documents: mixed BSON types like a typical user record, at three sizes.
import { type Document, Long, serialize } from 'bson';

/** Document sizes the streaming cases use, by collection name. */
export const SIZES = { docs100: 100, docs1k: 1024, docs16k: 16 * 1024 } as const;
export type SizedCollection = keyof typeof SIZES;

/** The fields of every document but the padding. */
function baseDocument(i: number): Document {
  return {
    // From 1: the official change stream takes an _id of 0 for a missing resume token.
    _id: i + 1,
    name: `user-${i}`,
    age: 20 + (i % 50),
    active: i % 2 === 0,
  };
}

const richFields = (i: number): Document => ({
  email: `user${i}@example.com`,
  score: i * 1.5,
  createdAt: new Date(1_700_000_000_000 + i * 1000),
  tags: ['alpha', 'beta', 'gamma', `t${i % 10}`],
  address: { street: `${i} Main Street`, city: 'Springfield', zip: String(10000 + (i % 9000)) },
});

/** A document of about `bytes` bytes of BSON (100 B: a few scalars; larger: nested fields and a padding string). */
export function sizedDocument(i: number, bytes: number): Document {
  if (bytes <= 128) return { ...baseDocument(i), email: `user${i}@example.com`, score: i * 1.5 };
  let bio = pads.get(bytes);
  if (bio === undefined) {
    // Sized on document 0: later ones differ by a few bytes (longer numbers in their strings).
    bio = 'x'.repeat(
      Math.max(0, bytes - serialize({ ...baseDocument(0), ...richFields(0), bio: '' }).length),
    );
    pads.set(bytes, bio);
  }
  return { ...baseDocument(i), ...richFields(i), bio };
}

const pads = new Map<number, string>();

/** The 1 KB document (insertMany, change streams). */
export function benchDocument(i: number): Document {
  return sizedDocument(i, SIZES.docs1k);
}

/** BSON size of one document of a collection. */
export function docBytes(collection: SizedCollection): number {
  return serialize(sizedDocument(0, SIZES[collection])).length;
}

/** One getMore reply body of `count` documents of a collection (what the raw-decode ceiling decodes). */
export function replyDocument(
  collection: string,
  count: number,
  kind: 'firstBatch' | 'nextBatch',
  id: bigint,
): Document {
  const bytes = SIZES[collection.split('_')[0] as SizedCollection] ?? SIZES.docs1k;
  const batch = Array.from({ length: count }, (_, i) => sizedDocument(i, bytes));
  return { cursor: { id: Long.fromBigInt(id), ns: `bench.${collection}`, [kind]: batch }, ok: 1 };
}
