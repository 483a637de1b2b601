// Change-stream cursors the proxy serves from its change log: `aggregate [$changeStream, ...]`
// opens one on the member it arrived at, `getMore` returns the events after its position (waiting
// up to maxTimeMS for new ones) with a postBatchResumeToken, `killCursors` closes it.
import { Binary, type Document, Long, Timestamp } from 'bson';
import type { ChangeEntry, ChangeLog } from './change-log.js';
import { applyPipeline, copy, PipelineError, validatePipeline } from './pipeline.js';

/** Our cursor ids live far above FerretDB's. */
const FIRST_ID = 0x4000_0000_0000_0000n;
/** mongod's default wait of a change stream getMore without maxTimeMS. */
const DEFAULT_AWAIT_MS = 1000;
const INTERNAL_DBS = new Set(['admin', 'config', 'local']);

/** A token: `82` + position (16 hex) + `00` for an event, `01` for the invalidate after it. */
export function token(seq: number, invalidate = false): Document {
  return { _data: `82${seq.toString(16).padStart(16, '0')}${invalidate ? '01' : '00'}` };
}

function parseToken(t: unknown): { seq: number; invalidate: boolean } | undefined {
  if (typeof t !== 'object' || t === null) return undefined;
  const data = (t as Document)._data;
  if (typeof data !== 'string' || !/^82[0-9a-f]{16}0[01]$/.test(data)) return undefined;
  return { seq: Number.parseInt(data.slice(2, 18), 16), invalidate: data.endsWith('01') };
}

type Scope =
  | { kind: 'collection'; db: string; coll: string }
  | { kind: 'database'; db: string }
  | { kind: 'cluster' };

interface Cursor {
  readonly id: bigint;
  readonly member: number;
  readonly ns: string;
  readonly scope: Scope;
  readonly pipeline: readonly Document[];
  readonly options: Document;
  /** Position scanned up to. */
  pos: number;
  /** The invalidate after `pos` is still to be returned. */
  invalidatePending: boolean;
}

export interface CursorRequest {
  readonly member: number;
  readonly db: string;
  readonly command: Document;
  readonly signal: AbortSignal;
}

/** An `ok: 0` body (the dispatcher adds cluster time). */
export function failure(code: number, codeName: string, errmsg: string, labels?: string[]): Document {
  return { ok: 0, code, codeName, errmsg, ...(labels && labels.length > 0 ? { errorLabels: labels } : {}) };
}

export class ChangeStreamCursors {
  private readonly cursors = new Map<bigint, Cursor>();
  private nextId = FIRST_ID;
  private readonly uuids = new Map<string, Binary>();

  constructor(private readonly log: ChangeLog) {}

  owns(id: unknown): boolean {
    return Long.isLong(id) && this.cursors.has(id.toBigInt());
  }

  /** `aggregate` whose first stage is `$changeStream`. */
  open(r: CursorRequest): Document {
    const pipeline = r.command.pipeline as Document[];
    const stage = (pipeline[0] as Document).$changeStream as Document;
    if (typeof stage !== 'object' || stage === null)
      return failure(14, 'TypeMismatch', '$changeStream stage must be an object');
    const rest = pipeline.slice(1);
    try {
      validatePipeline(rest);
    } catch (e) {
      if (e instanceof PipelineError) return failure(e.code, 'Location', e.message);
      throw e;
    }
    // `aggregate: 1` may arrive as an Int32 or a Double.
    const target =
      typeof r.command.aggregate === 'string' ? r.command.aggregate : Number(r.command.aggregate);
    let scope: Scope;
    if (stage.allChangesForCluster === true) {
      if (r.db !== 'admin' || target !== 1)
        return failure(73, 'InvalidNamespace', 'allChangesForCluster needs aggregate: 1 on admin');
      scope = { kind: 'cluster' };
    } else if (target === 1) {
      if (INTERNAL_DBS.has(r.db))
        return failure(
          73,
          'InvalidNamespace',
          `$changeStream may not be opened on the internal ${r.db} database`,
        );
      scope = { kind: 'database', db: r.db };
    } else scope = { kind: 'collection', db: r.db, coll: String(target) };
    const starts = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter(
      (k) => stage[k] !== undefined,
    );
    if (starts.length > 1)
      return failure(
        40674,
        'Location40674',
        'Only one type of resume option is allowed, but multiple were found.',
      );
    let pos = this.log.head;
    let invalidatePending = false;
    const after = stage.resumeAfter ?? stage.startAfter;
    if (after !== undefined) {
      const parsed = parseToken(after);
      if (!parsed || parsed.seq > this.log.head)
        return failure(260, 'InvalidResumeToken', 'rs-proxy: resume token not from this change log');
      if (parsed.invalidate && stage.resumeAfter !== undefined)
        return failure(
          260,
          'InvalidResumeToken',
          "Attempted to resume a stream on a collection which has been dropped. The change stream's pipeline may need to make comparisons which should respect the collection's default collation, which can no longer be determined. If you wish to resume this change stream you must specify a collation with the change stream.",
        );
      pos = parsed.seq;
      // A resume from the event before an invalidate returns that invalidate.
      const entry = this.log.entries[pos - 1];
      invalidatePending = !parsed.invalidate && entry !== undefined && this.invalidates(scope, entry);
    } else if (stage.startAtOperationTime instanceof Timestamp) {
      pos = this.log.positionAt(stage.startAtOperationTime);
    }
    const id = this.nextId++;
    const ns = scope.kind === 'collection' ? `${scope.db}.${scope.coll}` : `${r.db}.$cmd.aggregate`;
    const cursor: Cursor = {
      id,
      member: r.member,
      ns,
      scope,
      pipeline: rest,
      options: stage,
      pos,
      invalidatePending,
    };
    this.cursors.set(id, cursor);
    const batchSize = (r.command.cursor as Document | undefined)?.batchSize;
    return this.batch(cursor, batchSize === undefined ? 101 : Number(batchSize), 'firstBatch');
  }

  async getMore(r: CursorRequest): Promise<Document> {
    const id = (r.command.getMore as Long).toBigInt();
    const cursor = this.cursors.get(id);
    if (!cursor || cursor.member !== r.member)
      return failure(43, 'CursorNotFound', `cursor id ${id} not found`);
    const batchSize = r.command.batchSize === undefined ? 101 : Number(r.command.batchSize);
    const wait = r.command.maxTimeMS === undefined ? DEFAULT_AWAIT_MS : Number(r.command.maxTimeMS);
    const deadline = Date.now() + wait;
    while (!this.hasVisible(cursor) && Date.now() < deadline && !r.signal.aborted) {
      await this.log.waitForAppend(deadline - Date.now(), r.signal);
      if (!this.cursors.has(id)) return failure(43, 'CursorNotFound', `cursor id ${id} was killed`);
    }
    return this.batch(cursor, batchSize, 'nextBatch');
  }

  kill(ids: readonly unknown[]): Document {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) {
      if (Long.isLong(id) && this.cursors.delete(id.toBigInt())) killed.push(id);
      else if (Long.isLong(id)) notFound.push(id);
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  /** Cursors open now (a closed connection does not kill them, as in mongod). */
  get size(): number {
    return this.cursors.size;
  }

  private visible(scope: Scope, e: ChangeEntry, options: Document): boolean {
    if (e.expanded && options.showExpandedEvents !== true) return false;
    const { db, coll } = e.ns;
    if (scope.kind === 'cluster') return !INTERNAL_DBS.has(db) && !(coll ?? '').startsWith('system.');
    if (scope.kind === 'database') return db === scope.db && !(coll ?? '').startsWith('system.');
    return db === scope.db && coll === scope.coll;
  }

  private invalidates(scope: Scope, e: ChangeEntry): boolean {
    if (scope.kind === 'collection')
      return e.invalidates === 'collection' && e.ns.db === scope.db && e.ns.coll === scope.coll;
    if (scope.kind === 'database') return e.invalidates === 'database' && e.ns.db === scope.db;
    return false;
  }

  private hasVisible(cursor: Cursor): boolean {
    return (
      cursor.invalidatePending ||
      this.log.after(cursor.pos).some((e) => this.visible(cursor.scope, e, cursor.options))
    );
  }

  private batch(cursor: Cursor, batchSize: number, kind: 'firstBatch' | 'nextBatch'): Document {
    const out: Document[] = [];
    let closed = false;
    let pbrt = token(cursor.pos);
    const take = (event: Document, at: Document): boolean => {
      const shown = applyPipeline(event, cursor.pipeline);
      if (shown !== undefined) {
        const id = shown._id;
        if (typeof id !== 'object' || id === null || JSON.stringify(id) !== JSON.stringify(at))
          throw new PipelineError(
            280,
            'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.',
          );
        out.push(shown);
      }
      return true;
    };
    try {
      if (cursor.invalidatePending && batchSize > 0) {
        const entry = this.log.entries[cursor.pos - 1] as ChangeEntry;
        const t = token(cursor.pos, true);
        take(this.invalidateEvent(entry, t), t);
        pbrt = t;
        cursor.invalidatePending = false;
        closed = true;
      }
      for (const e of this.log.after(cursor.pos)) {
        if (closed || out.length >= batchSize) break;
        cursor.pos = e.seq;
        pbrt = token(e.seq);
        if (!this.visible(cursor.scope, e, cursor.options)) continue;
        const t = token(e.seq);
        take(this.eventFor(cursor, e, t), t);
        if (this.invalidates(cursor.scope, e) && out.length < batchSize) {
          const it = token(e.seq, true);
          take(this.invalidateEvent(e, it), it);
          pbrt = it;
          closed = true;
        } else if (this.invalidates(cursor.scope, e)) {
          cursor.invalidatePending = true;
        }
      }
    } catch (e) {
      this.cursors.delete(cursor.id);
      if (e instanceof PipelineError)
        // mongod labels the errors that end a stream for good.
        return e.code === 280
          ? failure(280, 'ChangeStreamFatalError', e.message, ['NonResumableChangeStreamError'])
          : failure(e.code, 'Location', e.message);
      throw e;
    }
    if (closed) this.cursors.delete(cursor.id);
    return {
      cursor: {
        [kind]: out,
        postBatchResumeToken: pbrt,
        id: closed ? Long.ZERO : Long.fromBigInt(cursor.id),
        ns: cursor.ns,
      },
      ok: 1,
    };
  }

  private uuidOf(db: string, coll: string): Binary {
    const key = `${db}.${coll}`;
    let uuid = this.uuids.get(key);
    if (!uuid) {
      uuid = new Binary(Buffer.from(crypto.randomUUID().replace(/-/g, ''), 'hex'), Binary.SUBTYPE_UUID);
      this.uuids.set(key, uuid);
    }
    return uuid;
  }

  private eventFor(cursor: Cursor, e: ChangeEntry, id: Document): Document {
    const o = cursor.options;
    const expanded = o.showExpandedEvents === true;
    const { fullDocument, fullDocumentBeforeChange, operationDescription, ...rest } = copy(e.event);
    const type = rest.operationType as string;
    const out: Document = { _id: id, operationType: type, clusterTime: e.clusterTime, wallTime: new Date() };
    if (expanded && e.ns.coll && type !== 'rename' && type !== 'dropDatabase')
      out.collectionUUID = this.uuidOf(e.ns.db, e.ns.coll);
    const full = o.fullDocument;
    if (type === 'insert' || type === 'replace') out.fullDocument = fullDocument;
    else if (type === 'update' && full !== undefined && full !== 'default')
      out.fullDocument = fullDocument ?? null;
    Object.assign(out, rest);
    if (operationDescription !== undefined && (expanded || e.expanded))
      out.operationDescription = operationDescription;
    const before = o.fullDocumentBeforeChange;
    if (
      (before === 'whenAvailable' || before === 'required') &&
      ['update', 'replace', 'delete'].includes(type)
    )
      out.fullDocumentBeforeChange = fullDocumentBeforeChange ?? null;
    // disambiguatedPaths is an expanded field (6.1+).
    if (type === 'update' && !expanded) delete (out.updateDescription as Document).disambiguatedPaths;
    return out;
  }

  private invalidateEvent(e: ChangeEntry, id: Document): Document {
    return { _id: id, operationType: 'invalidate', clusterTime: e.clusterTime, wallTime: new Date() };
  }
}
