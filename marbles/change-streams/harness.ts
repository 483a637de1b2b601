// A fake change-stream server on virtual time: an oplog of events appended at given frames,
// `aggregate [$changeStream]` and `getMore` answered from it (postBatchResumeToken, waits up to
// maxTimeMS for new events, resumeAfter/startAfter/startAtOperationTime), a `find` over a
// document set that the same writes change (live queries), and scripted getMore failures.
import { type Document, Long, Timestamp } from 'bson';
import { map, type Observable, of, race, Subject, switchMap, take, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { Connection } from '../../src/connection/types.js';
import type { CursorHooks } from '../../src/cursor/abstract-cursor.js';
import { ChangeStream, type WatchOptions } from '../../src/cursor/change-stream.js';
import { MongoNetworkError, MongoServerError } from '../../src/errors.js';
import type { ExecutionContext } from '../../src/execute/context.js';
import type { AggregateOptions } from '../../src/operations/aggregate.js';
import { FakeDeployment, type FakeDeploymentOptions, fakeConnection } from '../support/fake-deployment.js';

export const NS = { db: 'db', coll: 'coll' };

interface Entry {
  readonly seq: number;
  readonly event: Document;
}

interface ServerCursor {
  /** The last oplog seq this cursor has scanned. */
  pos: number;
  readonly project?: Document;
}

/** A getMore failure: a server error reply, or a network error. */
export type Failure = { readonly reply: Document } | { readonly network: true };

export interface FakeChangeStreamOptions {
  /** Virtual ms before each reply (default 1). */
  readonly latency?: number;
  /** getMore wait when it has no maxTimeMS (the server default is 1000 ms). */
  readonly defaultAwaitMS?: number;
  /** Answer the n-th getMore (1-based) with a failure instead. */
  readonly failGetMore?: (n: number) => Failure | undefined;
  /** Wire version the server reports (labels from 9). */
  readonly maxWireVersion?: number;
  /** The documents a `find` returns before any write. */
  readonly docs?: Document[];
  /** Replies carry no postBatchResumeToken (servers before 4.0.7). */
  readonly noPostBatchResumeToken?: boolean;
  /** A replica-set primary (default) or a load balancer (the stream's cursor pins its connection). */
  readonly type?: FakeDeploymentOptions['type'];
  /**
   * Reads report the time of the last write as their operationTime (as mongod does), instead of a
   * time between writes: a stream started at that time (inclusive) replays that write.
   */
  readonly readAtLastWrite?: boolean;
  /** Virtual ms a command is held before it is answered (failCommand blockConnection). */
  readonly block?: (name: string, command: Document) => number;
}

/** An event's resume token: the oplog seq, as a string the fake parses back. */
export function token(seq: number): Document {
  return { _data: `T${seq}` };
}
const seqOf = (t: Document): number => Number(String(t._data).slice(1));
/** Event `seq` happened at even time 2*seq; reads report odd times between events. */
const timeOf = (seq: number) => new Timestamp({ t: 2 * seq, i: 1 });
const seqAtOrAfter = (ts: Timestamp) => Math.ceil(ts.high / 2);

export class FakeChangeStreamServer {
  /** Each command with the frame it arrived at and the connection it came on. */
  readonly log: { at: number; name: string; command: Document; connection: number }[] = [];
  readonly ctx: ExecutionContext;
  readonly oplog: Entry[] = [];
  /** The documents of db.coll, changed by `write`. */
  readonly docs: Map<unknown, Document>;
  private readonly appended = new Subject<void>();
  private readonly cursors = new Map<bigint, ServerCursor>();
  private nextId = 100n;
  private getMores = 0;
  private readonly deployment: FakeDeployment;

  constructor(
    private readonly scheduler: TestScheduler,
    private readonly o: FakeChangeStreamOptions = {},
  ) {
    this.docs = new Map((o.docs ?? []).map((d) => [d._id, d]));
    const wire = o.maxWireVersion ?? 21;
    this.deployment = new FakeDeployment({
      scheduler,
      type: o.type ?? 'RSPrimary',
      maxWireVersion: wire,
      connection: (n) => this.connection(n, wire),
    });
    this.ctx = this.deployment.ctx;
  }

  /** Connections checked out (or pinned) and not yet returned. */
  get checkedOut(): number {
    return this.deployment.checkedOut;
  }

  /** Load-balanced: connections pinned so far. */
  get pins(): number {
    return this.deployment.pins;
  }

  /** Appends a change event now (an insert of `_id` unless `event` says otherwise). */
  write(id: unknown, event: Document = {}): void {
    const seq = this.oplog.length + 1;
    const doc = { _id: id, ...(event.fullDocument ?? {}) };
    const operationType = (event.operationType as string | undefined) ?? 'insert';
    if (operationType === 'delete') this.docs.delete(id);
    else if (operationType !== 'invalidate') this.docs.set(id, doc);
    this.oplog.push({
      seq,
      event: {
        _id: token(seq),
        operationType,
        clusterTime: timeOf(seq),
        ns: NS,
        documentKey: { _id: id },
        ...(operationType === 'insert' ? { fullDocument: doc } : {}),
        ...event,
      },
    });
    this.appended.next();
  }

  /** Schedules `write(id, event)` at virtual frame `at`. */
  writeAt(at: number, id: unknown, event: Document = {}): void {
    this.scheduler.schedule(() => this.write(id, event), at);
  }

  /** `name` of each command with its $changeStream start option, e.g. `aggregate resumeAfter=T2`. */
  names(): string[] {
    return this.log.map((c) => {
      if (c.name !== 'aggregate') return c.name;
      const stage = ((c.command.pipeline as Document[])[0]?.$changeStream ?? {}) as Document;
      const start = ['resumeAfter', 'startAfter', 'startAtOperationTime'].find((k) => stage[k] !== undefined);
      if (!start) return 'aggregate';
      const v = stage[start] as Document;
      return `aggregate ${start}=${v instanceof Timestamp ? v.high : v._data}`;
    });
  }

  timeline(): string[] {
    return this.log.map((c) => `${c.at}:${c.name}`);
  }

  get openCursors(): number {
    return this.cursors.size;
  }

  private connection(n: number, wire: number): Connection {
    return fakeConnection(n, wire, (command) => {
      const name = Object.keys(command)[0] ?? '';
      this.log.push({ at: this.scheduler.now(), name, command, connection: n });
      const block = this.o.block?.(name, command) ?? 0;
      return block > 0
        ? timer(block).pipe(switchMap(() => this.answer(name, command)))
        : this.answer(name, command);
    });
  }

  private delayed(f: () => Document): Observable<Document> {
    return timer(this.o.latency ?? 1).pipe(map(f));
  }

  private answer(name: string, command: Document): Observable<Document> {
    if (name === 'aggregate') return this.delayed(() => this.aggregate(command));
    if (name === 'find') return this.delayed(() => this.find(command));
    if (name === 'killCursors')
      return this.delayed(() => {
        for (const id of command.cursors as Long[]) this.cursors.delete(id.toBigInt());
        return { ok: 1 };
      });
    if (name !== 'getMore') return this.delayed(() => ({ ok: 1 }));
    const n = ++this.getMores;
    const failure = this.o.failGetMore?.(n);
    const id = (command.getMore as Long).toBigInt();
    if (failure)
      return this.delayed(() => {
        if ('network' in failure) throw new MongoNetworkError('connection reset');
        throw new MongoServerError(failure.reply);
      });
    const cursor = this.cursors.get(id);
    if (!cursor)
      return this.delayed(() => {
        throw new MongoServerError({ ok: 0, code: 43, errmsg: 'cursor not found' });
      });
    const wait = (command.maxTimeMS as number | undefined) ?? this.o.defaultAwaitMS ?? 1000;
    const ready = this.pending(cursor).length > 0;
    const arrival = ready ? of(undefined) : race(timer(wait), this.appended.pipe(take(1)));
    // Once there is something to say (or the wait is over), the reply takes the usual latency.
    return arrival.pipe(
      take(1),
      switchMap(() =>
        this.delayed(() => this.batch(id, cursor, command.batchSize as number | undefined, 'nextBatch')),
      ),
    );
  }

  private pending(cursor: ServerCursor): Entry[] {
    return this.oplog.filter((e) => e.seq > cursor.pos);
  }

  private aggregate(command: Document): Document {
    const pipeline = command.pipeline as Document[];
    const stage = (pipeline[0]?.$changeStream ?? {}) as Document;
    let pos = this.oplog.length;
    const after = (stage.resumeAfter ?? stage.startAfter) as Document | undefined;
    if (after) pos = seqOf(after);
    else if (stage.startAtOperationTime instanceof Timestamp)
      pos = seqAtOrAfter(stage.startAtOperationTime) - 1;
    const project = pipeline.find((s) => s.$project)?.$project as Document | undefined;
    const cursor: ServerCursor = { pos, project };
    const id = this.nextId++;
    this.cursors.set(id, cursor);
    const b = (command.cursor as Document).batchSize as number | undefined;
    return this.batch(id, cursor, b ?? 101, 'firstBatch');
  }

  private batch(id: bigint, cursor: ServerCursor, batchSize: number | undefined, kind: string): Document {
    const pending = this.pending(cursor).slice(0, batchSize ?? 101);
    if (pending.length > 0) cursor.pos = (pending[pending.length - 1] as Entry).seq;
    else cursor.pos = this.oplog.length;
    const batch = pending.map((e) => project(e.event, cursor.project));
    const invalidated = pending.some((e) => e.event.operationType === 'invalidate');
    if (invalidated) this.cursors.delete(id);
    return {
      cursor: {
        id: invalidated ? Long.ZERO : Long.fromBigInt(id),
        ns: `${NS.db}.${NS.coll}`,
        [kind]: batch,
        ...(this.o.noPostBatchResumeToken ? {} : { postBatchResumeToken: token(cursor.pos) }),
      },
      operationTime: new Timestamp({ t: 2 * this.oplog.length + 1, i: 0 }),
      ok: 1,
    };
  }

  private find(command: Document): Document {
    const docs = [...this.docs.values()].sort((a, b) => Number(a._id) - Number(b._id));
    const filter = (command.filter ?? {}) as Document;
    const matched = docs.filter((d) => Object.entries(filter).every(([k, v]) => d[k] === v));
    const limited = command.limit ? matched.slice(0, command.limit as number) : matched;
    return {
      cursor: { id: Long.ZERO, ns: `${NS.db}.${NS.coll}`, firstBatch: limited },
      operationTime: this.readTime(),
      ok: 1,
    };
  }

  private readTime(): Timestamp {
    return this.o.readAtLastWrite && this.oplog.length > 0
      ? timeOf(this.oplog.length)
      : new Timestamp({ t: 2 * this.oplog.length + 1, i: 0 });
  }
}

/** `$project` of plain exclusions (enough to project `_id` away). */
function project(event: Document, projection: Document | undefined): Document {
  if (!projection) return event;
  const out: Document = { ...event };
  for (const [k, v] of Object.entries(projection)) if (v === 0 || v === false) delete out[k];
  return out;
}

/** A server error reply with labels. */
export function errorReply(code: number, errorLabels: string[] = []): Document {
  return { ok: 0, code, errmsg: `error ${code}`, errorLabels };
}

/** `db.coll.watch(pipeline, options)` on the fake server (hooks: what the client would add). */
export function watchOn(
  server: FakeChangeStreamServer,
  options: WatchOptions = {},
  pipeline: Document[] = [],
  hooks: CursorHooks<AggregateOptions> = {},
): ChangeStream {
  return new ChangeStream({
    ctx: server.ctx,
    dbName: 'db',
    collection: 'coll',
    pipeline,
    options,
    hooks,
    allChangesForCluster: false,
  });
}
