// The benchmark document: about 1 KB of mixed BSON types, like a typical user record.
import { type Document, serialize } from 'bson';

export function benchDocument(i: number): Document {
  return {
    // From 1: the official change stream takes an _id of 0 for a missing resume token.
    _id: i + 1,
    name: `user-${i}`,
    email: `user${i}@example.com`,
    age: 20 + (i % 50),
    score: i * 1.5,
    active: i % 2 === 0,
    createdAt: new Date(1_700_000_000_000 + i * 1000),
    tags: ['alpha', 'beta', 'gamma', `t${i % 10}`],
    address: { street: `${i} Main Street`, city: 'Springfield', zip: String(10000 + (i % 9000)) },
    bio: 'x'.repeat(700),
  };
}

/** BSON size of one benchmark document. */
export const DOC_BYTES = serialize(benchDocument(0)).length;
