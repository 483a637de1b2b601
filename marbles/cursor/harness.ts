// A fake server for cursor marble tests: an in-memory collection answering find/getMore/killCursors
// (and aggregate) after a virtual-time latency, recording every command with the frame it arrived.
import assert from 'node:assert/strict';
import { type Document, Long } from 'bson';
import { map, type Observable, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { attachReplyRelease } from '../../src/connection/reply-frames.js';
import type { Connection } from '../../src/connection/types.js';
import { findCursor } from '../../src/cursor/find-cursor.js';
import { MongoServerError } from '../../src/errors.js';
import type { ExecutionContext } from '../../src/execute/context.js';
import type { FindOptions } from '../../src/operations/find.js';
import { FakeDeployment, fakeConnection } from '../support/fake-deployment.js';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

export interface LoggedCommand {
  readonly at: number;
  readonly name: string;
  readonly command: Document;
}

export interface FakeCursorServerOptions {
  /** The collection's documents (default: `{ _id: 0 }` ... `{ _id: count - 1 }`). */
  readonly docs?: Document[];
  readonly count?: number;
  /** Virtual ms before each reply (default 1). */
  readonly latency?: number;
  /** Server cursor id of the first cursor; each new cursor adds one. */
  readonly firstId?: bigint;
  /** Answer a command with an error reply instead (`{ ok: 0, code, errmsg }`). */
  readonly fail?: (command: Document) => Document | undefined;
  /** Tailable cursors stay open when exhausted (capped collection). */
  readonly tailable?: boolean;
}

interface ServerCursor {
  readonly docs: Document[];
  pos: number;
  remaining: number;
}

/** The ns every cursor of the fake reports. */
export const NS = 'db.coll';

export class FakeCursorServer {
  readonly log: LoggedCommand[] = [];
  /** `frame:name@sent` each time a reply was handed back (`releasableReply` commands only). */
  readonly released: string[] = [];
  readonly ctx: ExecutionContext;
  /** Documents appended later show up in tailable cursors. */
  readonly docs: Document[];
  private readonly cursors = new Map<bigint, ServerCursor>();
  private nextId: bigint;
  private readonly deployment: FakeDeployment;

  constructor(
    private readonly scheduler: TestScheduler,
    private readonly options: FakeCursorServerOptions = {},
  ) {
    this.docs = options.docs ?? Array.from({ length: options.count ?? 0 }, (_, i) => ({ _id: i }));
    this.nextId = options.firstId ?? 42n;
    const connection = this.connection();
    this.deployment = new FakeDeployment({ scheduler, connection: () => connection });
    this.ctx = this.deployment.ctx;
  }

  /** Connections checked out and not yet returned. */
  get checkedOut(): number {
    return this.deployment.checkedOut;
  }

  /** `name batchSize` of each command, e.g. `find 2`, `getMore 2`, `killCursors`. */
  names(): string[] {
    return this.log.map((c) => {
      const b =
        c.name === 'find' ? c.command.batchSize : c.name === 'getMore' ? c.command.batchSize : undefined;
      return b === undefined ? c.name : `${c.name} ${b}`;
    });
  }

  /** The i-th command received (throws when there is none). */
  cmd(i: number): Document {
    const c = this.log[i];
    if (!c) throw new Error(`no command #${i}`);
    return c.command;
  }

  /** `frame:name` of each command. */
  timeline(): string[] {
    return this.log.map((c) => `${c.at}:${c.name}`);
  }

  /** Server cursors still open. */
  get openCursors(): number {
    return this.cursors.size;
  }

  private connection(): Connection {
    return fakeConnection(1, 21, (command, _connection, options) => {
      const name = Object.keys(command)[0] ?? '';
      const at = this.scheduler.now();
      this.log.push({ at, name, command });
      const failure = this.options.fail?.(command);
      return timer(this.options.latency ?? 1).pipe(
        map(() => {
          if (failure) throw new MongoServerError(failure);
          const reply = this.answer(name, command);
          // As a socket connection lends the frame of a reply whose reader hands it back.
          if (options.releasableReply)
            attachReplyRelease(reply, () => {
              this.released.push(`${this.scheduler.now()}:${name}@${at}`);
            });
          return reply;
        }),
      );
    });
  }

  private answer(name: string, command: Document): Document {
    switch (name) {
      case 'find':
      case 'aggregate':
        return this.open(command, name === 'find' ? command : (command.cursor as Document));
      case 'getMore': {
        const id = (command.getMore as Long).toBigInt();
        const cursor = this.cursors.get(id);
        if (!cursor)
          throw new MongoServerError({ ok: 0, code: 43, codeName: 'CursorNotFound', errmsg: 'gone' });
        return this.batch(id, cursor, command.batchSize as number | undefined, 'nextBatch');
      }
      case 'killCursors':
        for (const id of command.cursors as Long[]) this.cursors.delete(id.toBigInt());
        return { ok: 1 };
      default:
        return { ok: 1 };
    }
  }

  private open(command: Document, sizing: Document): Document {
    const skip = (command.skip as number | undefined) ?? 0;
    const limit = (command.limit as number | undefined) ?? 0;
    const cursor: ServerCursor = {
      docs: this.options.tailable ? this.docs : this.docs.slice(skip),
      pos: this.options.tailable ? skip : 0,
      remaining: limit > 0 ? limit : Number.POSITIVE_INFINITY,
    };
    const id = this.nextId++;
    this.cursors.set(id, cursor);
    const reply = this.batch(id, cursor, (sizing.batchSize as number | undefined) ?? 101, 'firstBatch');
    if (command.singleBatch) this.close(id, reply);
    return reply;
  }

  private batch(id: bigint, cursor: ServerCursor, batchSize: number | undefined, kind: string): Document {
    const n = Math.min(batchSize ?? Number.POSITIVE_INFINITY, cursor.remaining);
    const batch = cursor.docs.slice(cursor.pos, cursor.pos + n);
    cursor.pos += batch.length;
    cursor.remaining -= batch.length;
    // Like 5.0+: a batch that ends exactly on the limit leaves the cursor open (find spec).
    const exhausted = (!this.options.tailable && cursor.pos >= cursor.docs.length) || cursor.remaining < 0;
    const reply = { cursor: { id: Long.fromBigInt(id), ns: NS, [kind]: batch }, ok: 1 };
    if (exhausted) this.close(id, reply);
    return reply;
  }

  private close(id: bigint, reply: Document): void {
    this.cursors.delete(id);
    (reply.cursor as Document).id = Long.ZERO;
  }
}

/** A find cursor on `db.coll` of a new fake server, on a new scheduler. */
export function findSetup(options: FakeCursorServerOptions, find: FindOptions = {}) {
  const scheduler = testScheduler();
  const server = new FakeCursorServer(scheduler, options);
  const cursor = findCursor(server.ctx, 'db', 'coll', {}, find);
  return { scheduler, server, cursor };
}

/** An error reply. */
export function failWith(code: number, errmsg = 'boom'): Document {
  return { ok: 0, code, errmsg };
}

/**
 * Subscribes at frame `at` (unsubscribing at `until`) inside the scheduler's run and records
 * `frame:value`, `frame:|` and `frame:#ErrorName` entries; call inside `scheduler.run`.
 */
export function record<T>(
  scheduler: TestScheduler,
  source: Observable<T>,
  window: { at?: number; until?: number } = {},
): string[] {
  const out: string[] = [];
  const at = () => scheduler.now();
  let sub: { unsubscribe(): void } | undefined;
  scheduler.schedule(() => {
    sub = source.subscribe({
      next: (v) => out.push(`${at()}:${typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
      error: (e: unknown) => out.push(`${at()}:#${e instanceof Error ? e.constructor.name : String(e)}`),
      complete: () => out.push(`${at()}:|`),
    });
  }, window.at ?? 0);
  if (window.until !== undefined) scheduler.schedule(() => sub?.unsubscribe(), window.until);
  return out;
}
