// Data access for the `items` collection: every method returns a cold mongorx Observable.
import { Inject, Injectable } from '@nestjs/common';
import { type Collection, type MongoClient, ObjectId, type WithId } from 'mongorx';
import { defer, map, type Observable, repeat, tap } from 'rxjs';
import { MONGO_CLIENT } from './mongo.module.js';

export interface Item {
  name: string;
  qty: number;
}

/** How often the polling stream looks for new documents. */
const POLL_MS = 200;

@Injectable()
export class ItemsService {
  private readonly items: Collection<Item>;

  constructor(@Inject(MONGO_CLIENT) client: MongoClient) {
    this.items = client.db(process.env.MONGORX_EXAMPLE_DB ?? 'nestjs_example').collection<Item>('items');
  }

  list(): Observable<WithId<Item>[]> {
    return this.items.find({}, { sort: { _id: 1 } }).toArray();
  }

  /** Emits the document, or null when there is none (also for an id that is not an ObjectId). */
  get(id: string): Observable<WithId<Item> | null> {
    return defer(() => (ObjectId.isValid(id) ? this.items.findOne({ _id: new ObjectId(id) }) : [null]));
  }

  create(item: Item): Observable<WithId<Item>> {
    return this.items.insertOne(item).pipe(map((r) => ({ _id: r.insertedId, ...item })));
  }

  /**
   * Every document, then each new one as it is inserted: a polling stream for now (one `find` of
   * the documents after the last one seen, every POLL_MS). The change stream / live query plugs in
   * here once it exists: `this.items.watch([{ $match: { operationType: 'insert' } }])` mapped to
   * `fullDocument`, after the initial `find`, with no polling and no missed updates or deletes.
   * Unsubscribing (the HTTP client going away) stops the loop and kills any open cursor.
   */
  stream(): Observable<WithId<Item>> {
    return defer(() => {
      let last: ObjectId | undefined;
      return defer(() => this.items.find(last ? { _id: { $gt: last } } : {}, { sort: { _id: 1 } })).pipe(
        tap((doc) => {
          last = doc._id;
        }),
        repeat({ delay: POLL_MS }),
      );
    });
  }
}
