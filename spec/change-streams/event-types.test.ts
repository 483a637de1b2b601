// Compile-time checks of the change events (tsc runs them; node:test only confirms the file loads):
// narrowing on operationType gives each event its own fields, and only those.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Binary, Document, Long, ObjectId, Timestamp } from 'bson';
import type { Collection } from '../../src/client/collection.js';
import type {
  ChangeStreamDocument,
  ChangeStreamOperationType,
  ChangeStreamTruncatedArray,
} from '../../src/cursor/change-stream-events.js';

interface Pet {
  _id: number;
  name: string;
}
interface Note {
  text: string;
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const check = <T extends true>(): T | undefined => undefined;

check<
  Equal<
    ChangeStreamOperationType,
    | 'insert'
    | 'update'
    | 'replace'
    | 'delete'
    | 'drop'
    | 'rename'
    | 'dropDatabase'
    | 'invalidate'
    | 'createIndexes'
    | 'dropIndexes'
    | 'create'
    | 'modify'
    | 'shardCollection'
    | 'reshardCollection'
    | 'refineCollectionShardKey'
  >
>();

function fields(e: ChangeStreamDocument<Pet>): unknown[] {
  // Common to all: token, times, transaction ids.
  const common: [Document, Timestamp | undefined, Date | undefined, Long | undefined, Binary | undefined] = [
    e._id,
    e.clusterTime,
    e.wallTime,
    e.txnNumber,
    e.lsid?.id,
  ];
  // @ts-expect-error documentKey is not on every event (drop, rename, invalidate, ... have none)
  e.documentKey;
  switch (e.operationType) {
    case 'insert':
      check<Equal<typeof e.fullDocument, Pet>>();
      check<Equal<typeof e.documentKey._id, number>>();
      check<Equal<typeof e.ns.coll, string>>();
      return [common, e.collectionUUID];
    case 'update': {
      check<Equal<typeof e.fullDocument, Pet | null | undefined>>();
      const d = e.updateDescription;
      const truncated: ChangeStreamTruncatedArray[] | undefined = d.truncatedArrays;
      const paths: Record<string, (string | number)[]> | undefined = d.disambiguatedPaths;
      // @ts-expect-error an update has no `to`
      e.to;
      return [d.updatedFields?.name, d.removedFields, truncated, paths, e.fullDocumentBeforeChange];
    }
    case 'replace':
      check<Equal<typeof e.fullDocument, Pet>>();
      return [e.fullDocumentBeforeChange];
    case 'delete':
      // @ts-expect-error a delete has no fullDocument
      e.fullDocument;
      return [e.documentKey._id];
    case 'rename':
      check<Equal<typeof e.to, { readonly db: string; readonly coll: string }>>();
      return [e.to.coll, e.operationDescription];
    case 'dropDatabase':
      // @ts-expect-error a database event has no collection
      e.ns.coll;
      return [e.ns.db];
    case 'invalidate':
      // @ts-expect-error invalidate carries no namespace
      e.ns;
      return [];
    case 'create':
      return [e.nsType, e.operationDescription, e.collectionUUID];
    case 'modify':
      return [e.stateBeforeChange];
    case 'drop':
      // @ts-expect-error a drop has no operationDescription
      e.operationDescription;
      return [e.ns.coll];
    default:
      return [e.ns.coll, e.operationDescription];
  }
}

/** watch()'s events follow the collection's schema; an ObjectId _id when the schema has none. */
function watched(pets: Collection<Pet>, notes: Collection<Note>): void {
  pets.watch().subscribe((e) => {
    if (e.operationType === 'insert') check<Equal<typeof e.documentKey._id, number>>();
  });
  notes.watch().subscribe((e) => {
    if (e.operationType === 'delete') check<Equal<typeof e.documentKey._id, ObjectId>>();
  });
}

it('change event types compile (checked by tsc)', () => {
  assert.equal(typeof fields, 'function');
  assert.equal(typeof watched, 'function');
});
