import { AsyncPipe } from '@angular/common';
import { Component, inject } from '@angular/core';
import { ItemsSource } from './items';

@Component({
  selector: 'app-root',
  imports: [AsyncPipe],
  template: `
    <h1>Items</h1>
    @if (items$ | async; as items) {
      <ul>
        @for (item of items; track item.id) {
          <li class="item" [attr.data-id]="item.id">{{ item.name }} × {{ item.qty }}</li>
        } @empty {
          <li>No items.</li>
        }
      </ul>
    } @else {
      <p>Loading…</p>
    }
  `,
})
export class App {
  protected readonly items$ = inject(ItemsSource).items();
}
