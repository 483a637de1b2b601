// The server's data service: mongorx on the server only (this file is imported by the server config
// alone, so the browser bundle has no driver in it).
import { Injectable, inject, NgZone, PendingTasks, TransferState } from '@angular/core';
import { MongoClient } from 'mongorx';
import { finalize, map, Observable, tap } from 'rxjs';
import { ITEMS_KEY, type Item, ItemsSource } from './items';

/** One client for the server process (its pool is shared by every request); server.ts closes it. */
let client: MongoClient | undefined;
export function mongoClient(): MongoClient {
  client ??= new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/');
  return client;
}
export function closeMongoClient(): Observable<void> | undefined {
  const c = client;
  client = undefined;
  return c?.close();
}

@Injectable()
export class MongoItems extends ItemsSource {
  private readonly state = inject(TransferState);
  private readonly zone = inject(NgZone);
  private readonly pending = inject(PendingTasks);

  items(): Observable<Item[]> {
    const db = mongoClient().db(process.env.MONGORX_EXAMPLE_DB ?? 'angular_example');
    const query = db
      .collection<{ name: string; qty: number }>('items')
      .find({}, { sort: { name: 1 }, limit: 100 })
      .toArray()
      .pipe(map((docs) => docs.map((d) => ({ id: d._id.toHexString(), name: d.name, qty: d.qty }))));
    return new Observable<Item[]>((subscriber) => {
      // The driver runs outside Angular's zone: its heartbeat and pool timers live as long as the
      // client, and inside the zone they would keep the app from ever becoming stable (SSR would
      // never send the page). A pending task makes rendering wait for the query instead.
      const done = this.pending.add();
      const sub = this.zone.runOutsideAngular(() =>
        query
          .pipe(
            // The browser reads the same list instead of querying (TransferState).
            tap((items) => this.state.set(ITEMS_KEY, items)),
            finalize(done),
          )
          .subscribe({
            next: (items) => this.zone.run(() => subscriber.next(items)),
            error: (e: unknown) => this.zone.run(() => subscriber.error(e)),
            complete: () => this.zone.run(() => subscriber.complete()),
          }),
      );
      return () => sub.unsubscribe();
    });
  }
}
