// The stages a change stream allows after `$changeStream` ($match, $project, $addFields/$set,
// $replaceRoot/$replaceWith, $unset, $redact is not played), evaluated by the proxy on each event.
// Expressions: field paths ("$a.b"), literals, nested documents. Match: equality on dotted paths,
// $eq $ne $in $nin $exists $gt $gte $lt $lte, $and $or $nor.
import type { Document } from 'bson';

export class PipelineError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const STAGES = new Set([
  '$match',
  '$project',
  '$addFields',
  '$set',
  '$replaceRoot',
  '$replaceWith',
  '$unset',
]);

/** Checks the stages up front, as the server does on aggregate. */
export function validatePipeline(pipeline: readonly Document[]): void {
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0] ?? '';
    if (name === '$changeStream')
      throw new PipelineError(40602, '$changeStream is only valid as the first stage in a pipeline');
    if (!name.startsWith('$') || !STAGES.has(name)) {
      if (['$redact', '$changeStreamSplitLargeEvent'].includes(name))
        throw new PipelineError(40324, `rs-proxy does not play ${name} in change streams`);
      throw new PipelineError(40324, `Unrecognized pipeline stage name: '${name}'`);
    }
  }
}

const isDoc = (v: unknown): v is Document =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && v.constructor === Object;

/** A deep copy of plain documents and arrays that keeps BSON values (ObjectId, Timestamp) as they are. */
export function copy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copy) as T;
  if (isDoc(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) as T;
  return v;
}

function get(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (!isDoc(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Document)[part];
  }
  return cur;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isDoc(cur[part])) cur[part] = {};
    cur = cur[part] as Document;
  }
  cur[parts[parts.length - 1] as string] = value;
}

function evaluate(expr: unknown, root: Document): unknown {
  if (typeof expr === 'string' && expr.startsWith('$')) return get(root, expr.slice(1));
  if (isDoc(expr)) {
    const keys = Object.keys(expr);
    if (keys.length === 1 && keys[0] === '$literal') return expr.$literal;
    const out: Document = {};
    for (const [k, v] of Object.entries(expr)) {
      const value = evaluate(v, root);
      if (value !== undefined) out[k] = value;
    }
    return out;
  }
  return expr;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function matchesValue(actual: unknown, condition: unknown): boolean {
  if (isDoc(condition) && Object.keys(condition).some((k) => k.startsWith('$'))) {
    return Object.entries(condition).every(([op, v]) => {
      switch (op) {
        case '$eq':
          return matchesValue(actual, v);
        case '$ne':
          return !matchesValue(actual, v);
        case '$in':
          return Array.isArray(v) && v.some((x) => matchesValue(actual, x));
        case '$nin':
          return Array.isArray(v) && !v.some((x) => matchesValue(actual, x));
        case '$exists':
          return (actual !== undefined) === Boolean(v);
        case '$gt':
          return (compare(actual, v) ?? 0) > 0 && compare(actual, v) !== undefined;
        case '$gte':
          return compare(actual, v) !== undefined && (compare(actual, v) as number) >= 0;
        case '$lt':
          return compare(actual, v) !== undefined && (compare(actual, v) as number) < 0;
        case '$lte':
          return compare(actual, v) !== undefined && (compare(actual, v) as number) <= 0;
        default:
          throw new PipelineError(2, `rs-proxy: unsupported match operator ${op} in a change stream`);
      }
    });
  }
  if (Array.isArray(actual) && !Array.isArray(condition)) return actual.some((x) => equal(x, condition));
  return equal(actual, condition);
}

export function matches(doc: Document, filter: Document): boolean {
  return Object.entries(filter).every(([k, v]) => {
    if (k === '$and') return (v as Document[]).every((f) => matches(doc, f));
    if (k === '$or') return (v as Document[]).some((f) => matches(doc, f));
    if (k === '$nor') return !(v as Document[]).some((f) => matches(doc, f));
    return matchesValue(get(doc, k), v);
  });
}

/** A projection value: numbers arrive as Int32/Double from EJSON, so read them as numbers. */
function flag(v: unknown): 'include' | 'exclude' | 'expression' {
  const n =
    typeof v === 'boolean'
      ? Number(v)
      : typeof v === 'number'
        ? v
        : (v as { _bsontype?: string })?._bsontype
          ? Number(v)
          : Number.NaN;
  if (Number.isNaN(n)) return 'expression';
  return n === 0 ? 'exclude' : 'include';
}

function project(doc: Document, spec: Document): Document {
  const entries = Object.entries(spec);
  const exclusion = entries.every(
    ([k, v]) => (k === '_id' && flag(v) !== 'expression') || flag(v) === 'exclude',
  );
  if (exclusion) {
    const out: Document = copy(doc);
    for (const [k] of entries) {
      const parts = k.split('.');
      let cur: Document | undefined = out;
      for (const p of parts.slice(0, -1)) cur = isDoc(cur?.[p]) ? (cur[p] as Document) : undefined;
      if (cur) delete cur[parts[parts.length - 1] as string];
    }
    return out;
  }
  const out: Document = {};
  if (flag(spec._id) !== 'exclude' && doc._id !== undefined) out._id = doc._id;
  for (const [k, v] of entries) {
    if (k === '_id' && flag(v) === 'exclude') continue;
    if (flag(v) === 'include') {
      const value = get(doc, k);
      if (value !== undefined) setPath(out, k, value);
    } else {
      const value = evaluate(v, doc);
      if (value !== undefined) setPath(out, k, value);
    }
  }
  return out;
}

/** The event after the stages, or undefined when a `$match` dropped it. */
export function applyPipeline(event: Document, pipeline: readonly Document[]): Document | undefined {
  let doc: Document = event;
  for (const stage of pipeline) {
    const [name, arg] = Object.entries(stage)[0] as [string, unknown];
    switch (name) {
      case '$match':
        if (!matches(doc, arg as Document)) return undefined;
        break;
      case '$project':
        doc = project(doc, arg as Document);
        break;
      case '$addFields':
      case '$set': {
        const out = copy(doc);
        for (const [k, v] of Object.entries(arg as Document)) setPath(out, k, evaluate(v, doc));
        doc = out;
        break;
      }
      case '$unset': {
        const fields = [arg].flat() as string[];
        doc = project(doc, Object.fromEntries(fields.map((f) => [f, 0])));
        break;
      }
      case '$replaceRoot':
      case '$replaceWith': {
        const next = evaluate(name === '$replaceRoot' ? (arg as Document).newRoot : arg, doc);
        if (!isDoc(next)) throw new PipelineError(40228, "'newRoot' expression must evaluate to an object");
        doc = next;
        break;
      }
    }
  }
  return doc;
}
