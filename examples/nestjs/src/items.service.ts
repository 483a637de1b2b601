// Data access for the `items` collection: every method returns a cold mongorx Observable.
import { Inject, Injectable } from '@nestjs/common';
import { type Collection, type Db, type MongoClient, ObjectId, type WithId } from 'mongorx';
import { defer, filter, map, mergeMap, type Observable, repeat, switchMap, tap } from 'rxjs';
import { MONGO_CLIENT } from './mongo.module.js';

export interface Item {
  name: string;
  qty: number;
}

/** How often the polling stream looks for new documents (deployments without change streams). */
const POLL_MS = 200;

@Injectable()
export class ItemsService {
  private readonly db: Db;
  private readonly items: Collection<Item>;

  constructor(@Inject(MONGO_CLIENT) client: MongoClient) {
    this.db = client.db(process.env.MONGORX_EXAMPLE_DB ?? 'nestjs_example');
    this.items = this.db.collection<Item>('items');
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
   * Every document, then each new one as it is inserted. On a replica set or sharded cluster this
   * follows a live query (`find().live()`: one change stream, one re-read per burst of changes, and
   * no change lost between the first read and the stream); a standalone server (plain FerretDB)
   * has no change streams, so there it polls (one `find` of the documents after the last one seen,
   * every POLL_MS). Unsubscribing (the HTTP client going away) kills the change stream or the loop.
   */
  stream(): Observable<WithId<Item>> {
    return this.hasChangeStreams().pipe(
      switchMap((live) => {
        let last: ObjectId | undefined;
        const isNew = (doc: WithId<Item>) => last === undefined || doc._id.toHexString() > last.toHexString();
        const seen = tap((doc: WithId<Item>) => {
          last = doc._id;
        });
        if (live)
          return this.items
            .find({}, { sort: { _id: 1 } })
            .live()
            .pipe(
              mergeMap((docs) => docs),
              filter(isNew),
              seen,
            );
        return defer(() => this.items.find(last ? { _id: { $gt: last } } : {}, { sort: { _id: 1 } })).pipe(
          seen,
          repeat({ delay: POLL_MS }),
        );
      }),
    );
  }

  /** Change streams need a replica set (hello names a setName) or a sharded cluster (mongos). */
  private hasChangeStreams(): Observable<boolean> {
    return this.db.command({ hello: 1 }).pipe(map((hello) => 'setName' in hello || hello.msg === 'isdbgrid'));
  }
}
