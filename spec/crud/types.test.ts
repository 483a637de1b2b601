// Compile-time checks of the document typing (tsc runs them; node:test only confirms the file loads).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Document, ObjectId } from 'bson';
import type { Collection } from '../../src/client/collection.js';
import type { Filter, InferIdType, OptionalId, UpdateFilter, WithId } from '../../src/operations/schema.js';

interface Pet {
  _id: number;
  name: string;
  age: number;
  tags: string[];
}
interface Note {
  text: string;
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const check = <T extends true>(): T | undefined => undefined;

check<Equal<InferIdType<Pet>, number>>();
check<Equal<InferIdType<Note>, ObjectId>>();
check<Equal<WithId<Note>['_id'], ObjectId>>();

const filters: Filter<Pet>[] = [
  { name: 'rex' },
  { age: { $gt: 2, $lte: 10 } },
  { tags: 'good' },
  { tags: { $all: ['a', 'b'] } },
  { $or: [{ name: /r/ }, { age: { $in: [1, 2] } }] },
  { 'owner.name': 'x' },
  // @ts-expect-error age is a number
  { age: 'old' },
  // @ts-expect-error $in takes an array of the field's type
  { name: { $in: [1] } },
];

const updates: UpdateFilter<Pet>[] = [
  { $set: { name: 'max' } },
  { $inc: { age: 1 } },
  { $push: { tags: 'new' } },
  { $unset: { tags: '' } },
  // @ts-expect-error name is a string
  { $set: { name: 3 } },
  { $inc: { 'stats.visits': 1 } },
  { $unset: { 'owner.name': '' } },
  // @ts-expect-error $inc on a string field (as with the official types)
  { $inc: { name: 1 } },
  // @ts-expect-error $inc takes numbers
  { $inc: { age: 'one' } },
  // @ts-expect-error $inc of a dotted path takes numbers too
  { $inc: { 'stats.visits': 'x' } },
  // @ts-expect-error $unset of a field the schema does not have
  { $unset: { nickname: '' } },
  // @ts-expect-error $unset takes '' | 1 | true
  { $unset: { tags: 5 } },
  // @ts-expect-error $push on a non-array field
  { $push: { name: 'x' } },
];

/** Untyped collections keep accepting every field. */
const loose: UpdateFilter<Document>[] = [{ $inc: { anything: 1 } }, { $unset: { anything: '' } }];

const inserts: OptionalId<Note>[] = [{ text: 'a' }];

/** Collection methods take and give the typed shapes. */
function api(pets: Collection<Pet>, notes: Collection<Note>): void {
  pets.insertOne({ _id: 1, name: 'a', age: 1, tags: [] });
  notes.insertOne({ text: 'no id needed' });
  pets.updateOne({ age: { $gte: 1 } }, { $set: { age: 2 } });
  pets.distinct('name').subscribe((names: string[]) => names);
  pets.findOne({ name: 'a' }).subscribe((pet) => pet?.age.toFixed());
  // @ts-expect-error replaceOne takes a document without operators (and without _id)
  pets.replaceOne({ _id: 1 }, { $set: { age: 2 } });
}

it('typing compiles', () => {
  assert.equal(filters.length + updates.length + inserts.length + loose.length, 24);
  assert.equal(typeof api, 'function');
});
