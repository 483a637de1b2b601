// Inputs both drivers get, built before each timed trial.
import type { Document } from 'bson';
import { benchDocument } from './data.js';
import { Meter } from './meter.js';

export const SLOW_CONCURRENCY = 4;

/** 1 KB documents without `_id` (each driver generates its ObjectIds, as users' code relies on). */
export function insertDocuments(n: number): Document[] {
  return Array.from({ length: n }, (_, i) => {
    const { _id, ...doc } = benchDocument(i);
    return doc;
  });
}

/** A third inserts, a third updateOne by _id, a third deleteOne by _id, in runs of one kind. */
export function bulkModels(n: number): Document[] {
  const third = Math.floor(n / 3);
  const models: Document[] = [];
  for (let i = 0; i < third; i++) models.push({ insertOne: { document: benchDocument(i) } });
  for (let i = 0; i < third; i++)
    models.push({ updateOne: { filter: { _id: i + 1 }, update: { $set: { score: i } } } });
  for (let i = 0; i < third; i++) models.push({ deleteOne: { filter: { _id: i + 1 } } });
  return models;
}

/**
 * One client per URI and monitoring flag, made once: `open` creates, connects and warms it with
 * the meter its command listener counts into. `clients()` lists them for closing.
 */
export function clientCache<C>(open: (uri: string, monitor: boolean, meter: Meter) => Promise<C>): {
  clientFor(uri: string, monitor: boolean): Promise<{ client: C; meter: Meter }>;
  clients(): Iterable<{ client: C; meter: Meter }>;
} {
  const entries = new Map<string, Promise<{ client: C; meter: Meter }>>();
  const made: { client: C; meter: Meter }[] = [];
  return {
    clientFor(uri, monitor) {
      const key = `${uri} ${monitor}`;
      let entry = entries.get(key);
      if (!entry) {
        const meter = new Meter();
        entry = open(uri, monitor, meter).then((client) => {
          made.push({ client, meter });
          return { client, meter };
        });
        entries.set(key, entry);
      }
      return entry;
    },
    clients: () => made,
  };
}
