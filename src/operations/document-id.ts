import { type Document, ObjectId } from 'bson';

/** Adds an ObjectId `_id` when missing (crud spec: drivers generate `_id` client-side), first as the server would put it. */
export function withId<T extends Document>(doc: T, forceServerObjectId = false): T {
  if (forceServerObjectId || doc._id !== undefined) return doc;
  return { _id: new ObjectId(), ...doc };
}
