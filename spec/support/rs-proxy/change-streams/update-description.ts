// The `updateDescription` of an update event, from the document before and after (mongod's
// oplog diff): changed fields as dotted paths (into sub-documents and same-length arrays), removed
// fields, and arrays cut to a prefix of what they were as `truncatedArrays`.
import type { Document } from 'bson';

const isDoc = (v: unknown): v is Document =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && v.constructor === Object;

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isDoc(a) && isDoc(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null)
    return JSON.stringify(a) === JSON.stringify(b) && a.constructor === b.constructor;
  return false;
}

export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: { field: string; newSize: number }[];
  /** Paths whose dotted form is ambiguous (a numeric or dotted document key): their parts. */
  disambiguatedPaths: Document;
}

/** A path's parts: document keys as strings, array indices as numbers. */
type Parts = readonly (string | number)[];

export function updateDescription(before: Document, after: Document): UpdateDescription {
  const out: UpdateDescription = {
    updatedFields: {},
    removedFields: [],
    truncatedArrays: [],
    disambiguatedPaths: {},
  };
  diff(before, after, [], out);
  return out;
}

/** The dotted path of `parts`, noting it in disambiguatedPaths when a key could be read otherwise. */
function pathOf(parts: Parts, out: UpdateDescription): string {
  const path = parts.join('.');
  if (parts.some((p) => typeof p === 'string' && (/^\d+$/.test(p) || p.includes('.'))))
    out.disambiguatedPaths[path] = [...parts];
  return path;
}

function diff(before: Document, after: Document, prefix: Parts, out: UpdateDescription): void {
  for (const key of Object.keys(before))
    if (!(key in after)) out.removedFields.push(pathOf([...prefix, key], out));
  for (const [key, value] of Object.entries(after)) {
    const parts = [...prefix, key];
    if (!(key in before)) {
      out.updatedFields[pathOf(parts, out)] = value;
      continue;
    }
    const old = before[key];
    if (same(old, value)) continue;
    if (isDoc(old) && isDoc(value)) diff(old, value, parts, out);
    else if (Array.isArray(old) && Array.isArray(value)) diffArray(old, value, parts, out);
    else out.updatedFields[pathOf(parts, out)] = value;
  }
}

function diffArray(old: unknown[], value: unknown[], parts: Parts, out: UpdateDescription): void {
  if (value.length > old.length) {
    out.updatedFields[pathOf(parts, out)] = value;
    return;
  }
  if (value.length < old.length)
    out.truncatedArrays.push({ field: pathOf(parts, out), newSize: value.length });
  value.forEach((v, i) => {
    const o = old[i];
    if (same(o, v)) return;
    if (isDoc(o) && isDoc(v)) diff(o, v, [...parts, i], out);
    else out.updatedFields[pathOf([...parts, i], out)] = v;
  });
}
