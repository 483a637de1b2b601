// Turns the writes the proxy forwards into change events, as mongod's oplog would show them.
// Before an update or delete the proxy reads the documents it will touch (pre-images); after it,
// the documents as they are (post-images); the event fields are derived from the two.
import { type Document, Timestamp } from 'bson';
import type { DocumentSequence } from '../../../../src/connection/types.js';
import type { ChangeEntry, Namespace } from './change-log.js';
import { updateDescription } from './update-description.js';

/** Runs a command at the upstream (body with `$db`). */
export type RunUpstream = (command: Document) => Promise<Document>;

/** An event about to be logged (clusterTime and position come from the log). */
export type PendingEntry = Omit<ChangeEntry, 'seq' | 'clusterTime'>;

/** What a write will log once it succeeded. */
export interface WriteObservation {
  /** The events of the write, given its reply. */
  after(reply: Document): Promise<PendingEntry[]>;
}

const firstBatch = (reply: Document): Document[] => {
  const cursor = reply.cursor as Document | undefined;
  return Array.isArray(cursor?.firstBatch) ? (cursor.firstBatch as Document[]) : [];
};

async function findAll(run: RunUpstream, db: string, coll: string, filter: Document, limit = 0) {
  const reply = await run({ find: coll, filter, limit, batchSize: 100_000, singleBatch: true, $db: db });
  return firstBatch(reply);
}

function docsOf(command: Document, sequences: readonly DocumentSequence[], field: string): Document[] {
  const inline = command[field];
  if (Array.isArray(inline)) return inline as Document[];
  return (sequences.find((s) => s.identifier === field)?.documents ?? []) as Document[];
}

const isReplacement = (u: unknown) =>
  typeof u === 'object' && u !== null && !Array.isArray(u) && !Object.keys(u).some((k) => k.startsWith('$'));

function dataEvent(ns: Namespace, event: Document): PendingEntry {
  return { ns, event: { ...event, ns }, expanded: false };
}

/** An update/replace/delete of one document, from its pre- and post-image. */
function changeOf(ns: Namespace, before: Document, after: Document | undefined, replacement: boolean) {
  const documentKey = { _id: before._id };
  if (!after)
    return dataEvent(ns, { operationType: 'delete', documentKey, fullDocumentBeforeChange: before });
  if (replacement)
    return dataEvent(ns, {
      operationType: 'replace',
      documentKey,
      fullDocument: after,
      fullDocumentBeforeChange: before,
    });
  return dataEvent(ns, {
    operationType: 'update',
    documentKey,
    updateDescription: updateDescription(before, after),
    fullDocument: after,
    fullDocumentBeforeChange: before,
  });
}

/** Statements of update/delete/findAndModify: the filter, the update (none: delete), multi. */
interface Statement {
  readonly q: Document;
  readonly u?: unknown;
  readonly multi: boolean;
  readonly upsert: boolean;
  readonly remove: boolean;
}

function statementsOf(name: string, command: Document, sequences: readonly DocumentSequence[]): Statement[] {
  if (name === 'update')
    return docsOf(command, sequences, 'updates').map((s) => ({
      q: (s.q ?? {}) as Document,
      u: s.u,
      multi: s.multi === true,
      upsert: s.upsert === true,
      remove: false,
    }));
  if (name === 'delete')
    return docsOf(command, sequences, 'deletes').map((s) => ({
      q: (s.q ?? {}) as Document,
      multi: Number(s.limit) !== 1,
      upsert: false,
      remove: true,
    }));
  return [
    {
      q: (command.query ?? {}) as Document,
      u: command.update,
      multi: false,
      upsert: command.upsert === true,
      remove: command.remove === true,
    },
  ];
}

/**
 * What `name` will log, or undefined for commands that change nothing a stream sees. Reads the
 * pre-images now (before the write is forwarded).
 */
export async function observeWrite(
  name: string,
  db: string,
  command: Document,
  sequences: readonly DocumentSequence[],
  run: RunUpstream,
): Promise<WriteObservation | undefined> {
  const target = command[name];
  const coll = typeof target === 'string' ? target : undefined;
  const ns: Namespace = { db, coll };
  switch (name) {
    case 'insert': {
      const docs = docsOf(command, sequences, 'documents');
      return {
        after: async (reply) => {
          // Ordered inserts stop at the first write error; the others before it were applied.
          const failed = new Set(((reply.writeErrors ?? []) as Document[]).map((e) => Number(e.index)));
          const first = failed.size > 0 ? Math.min(...failed) : docs.length;
          const applied =
            command.ordered === false ? docs.filter((_, i) => !failed.has(i)) : docs.slice(0, first);
          return applied.map((d) =>
            dataEvent(ns, { operationType: 'insert', fullDocument: d, documentKey: { _id: d._id } }),
          );
        },
      };
    }
    case 'update':
    case 'delete':
    case 'findAndModify': {
      if (!coll) return undefined;
      const statements = statementsOf(name, command, sequences);
      const before = await Promise.all(statements.map((s) => findAll(run, db, coll, s.q, s.multi ? 0 : 1)));
      return {
        after: async (reply) => {
          const out: PendingEntry[] = [];
          const upserted = ((reply.upserted ?? []) as Document[]).map((u) => u._id);
          const fmUpserted = (reply.lastErrorObject as Document | undefined)?.upserted;
          if (fmUpserted !== undefined) upserted.push(fmUpserted);
          for (let i = 0; i < statements.length; i++) {
            const s = statements[i] as Statement;
            for (const pre of before[i] ?? []) {
              const post = s.remove ? undefined : (await findAll(run, db, coll, { _id: pre._id }, 1))[0];
              out.push(changeOf(ns, pre, post, isReplacement(s.u)));
            }
          }
          for (const id of upserted) {
            const doc = (await findAll(run, db, coll, { _id: id }, 1))[0];
            if (doc)
              out.push(
                dataEvent(ns, { operationType: 'insert', fullDocument: doc, documentKey: { _id: id } }),
              );
          }
          return out;
        },
      };
    }
    case 'drop':
      return {
        after: async () => [
          { ns, event: { operationType: 'drop', ns }, expanded: false, invalidates: 'collection' },
        ],
      };
    case 'dropDatabase': {
      const listed = await run({ listCollections: 1, nameOnly: true, $db: db });
      const names = firstBatch(listed)
        .map((c) => String(c.name))
        .filter((n) => !n.startsWith('system.'));
      return {
        after: async () => [
          ...names.map((n): PendingEntry => {
            const cns = { db, coll: n };
            return {
              ns: cns,
              event: { operationType: 'drop', ns: cns },
              expanded: false,
              invalidates: 'collection',
            };
          }),
          {
            ns: { db },
            event: { operationType: 'dropDatabase', ns: { db } },
            expanded: false,
            invalidates: 'database',
          },
        ],
      };
    }
    case 'renameCollection': {
      const split = (full: unknown): Namespace => {
        const s = String(full);
        const dot = s.indexOf('.');
        return { db: s.slice(0, dot), coll: s.slice(dot + 1) };
      };
      const from = split(command.renameCollection);
      const to = split(command.to);
      return {
        after: async () => [
          {
            ns: from,
            event: {
              operationType: 'rename',
              ns: from,
              to,
              operationDescription: { to, dropTarget: command.dropTarget === true },
            },
            expanded: false,
            invalidates: 'collection',
          },
        ],
      };
    }
    case 'create':
      return {
        after: async () => [
          {
            ns,
            event: {
              operationType: 'create',
              ns,
              operationDescription: { idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } },
              nsType: 'collection',
            },
            expanded: true,
          },
        ],
      };
    case 'createIndexes':
      return {
        after: async (reply) =>
          Number(reply.numIndexesAfter ?? 1) > Number(reply.numIndexesBefore ?? 0)
            ? [
                {
                  ns,
                  event: {
                    operationType: 'createIndexes',
                    ns,
                    operationDescription: { indexes: command.indexes },
                  },
                  expanded: true,
                },
              ]
            : [],
      };
    case 'dropIndexes': {
      const listed = await run({ listIndexes: coll, $db: db }).catch(() => ({ cursor: { firstBatch: [] } }));
      const names = command.index === '*' ? undefined : [command.index].flat();
      return {
        after: async () => {
          const dropped = firstBatch(listed).filter(
            (i) =>
              i.name !== '_id_' &&
              (names === undefined ||
                names.includes(i.name) ||
                JSON.stringify(names).includes(JSON.stringify(i.key))),
          );
          return dropped.length > 0
            ? [
                {
                  ns,
                  event: { operationType: 'dropIndexes', ns, operationDescription: { indexes: dropped } },
                  expanded: true,
                },
              ]
            : [];
        },
      };
    }
    case 'collMod':
      return {
        after: async () => {
          const { collMod: _c, $db: _d, lsid: _l, $clusterTime: _t, ...index } = command;
          return [
            { ns, event: { operationType: 'modify', ns, operationDescription: index }, expanded: true },
          ];
        },
      };
    default:
      return undefined;
  }
}

/** A cluster time for entries logged together: each gets its own increment after `base`. */
export function timesAfter(base: Timestamp, n: number): Timestamp[] {
  return Array.from({ length: n }, (_, i) => new Timestamp({ t: base.t, i: base.i + i }));
}
