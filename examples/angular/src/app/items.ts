// What the component needs: an Observable of items. The server provides it from MongoDB (mongorx,
// items.server.ts); the browser from the state the server rendered with (no database in a browser).
import { Injectable, inject, makeStateKey, TransferState } from '@angular/core';
import { type Observable, of } from 'rxjs';

export interface Item {
  id: string;
  name: string;
  qty: number;
}

export const ITEMS_KEY = makeStateKey<Item[]>('items');

@Injectable()
export abstract class ItemsSource {
  abstract items(): Observable<Item[]>;
}

/** The browser's source: the items the server rendered, handed over in the page (TransferState). */
@Injectable()
export class TransferredItems extends ItemsSource {
  private readonly state = inject(TransferState);

  items(): Observable<Item[]> {
    return of(this.state.get(ITEMS_KEY, []));
  }
}
