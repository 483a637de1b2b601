// HTTP routes: handlers return mongorx Observables; Nest subscribes and sends the last value.
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  type MessageEvent,
  NotFoundException,
  Param,
  Post,
  Sse,
} from '@nestjs/common';
import type { WithId } from 'mongorx';
import { map, type Observable } from 'rxjs';
import { type Item, ItemsService } from './items.service.js';

@Controller('items')
export class ItemsController {
  constructor(@Inject(ItemsService) private readonly items: ItemsService) {}

  @Get()
  list(): Observable<WithId<Item>[]> {
    return this.items.list();
  }

  /** Server-sent events: one `data:` line per document, kept open until the client disconnects. */
  @Sse('stream')
  stream(): Observable<MessageEvent> {
    return this.items.stream().pipe(map((doc) => ({ data: doc, id: doc._id.toHexString() })));
  }

  @Get(':id')
  get(@Param('id') id: string): Observable<WithId<Item>> {
    return this.items.get(id).pipe(
      map((doc) => {
        if (doc === null) throw new NotFoundException(`no item ${id}`);
        return doc;
      }),
    );
  }

  @Post()
  create(@Body() body: unknown): Observable<WithId<Item>> {
    return this.items.create(parseItem(body));
  }
}

function parseItem(body: unknown): Item {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.name !== 'string' || b.name === '' || typeof b.qty !== 'number' || !Number.isFinite(b.qty)) {
    throw new BadRequestException('expected { name: non-empty string, qty: number }');
  }
  return { name: b.name, qty: b.qty };
}
