// The one list of unified tests skipped against FerretDB, each with the FerretDB error that
// forces it (seen by running the test). Applied only when buildInfo reports `ferretdbVersion`.
// Also the short list of runner gaps (features the driver has not built), applied everywhere.
import type { Document } from 'bson';

export interface Limitation {
  /** Test file name (e.g. "aggregate-merge.json") or a pattern over `<folder>/<file>`. */
  readonly file?: string | RegExp;
  /** Test description, or a pattern over it; all tests of the file when absent. */
  readonly test?: string | RegExp;
  /** Matches tests that use a feature: an entity type or an operation name. */
  readonly uses?: string;
  /** The FerretDB behaviour, with the error text. */
  readonly reason: string;
}

export const FERRETDB_LIMITATIONS: readonly Limitation[] = [
  {
    uses: 'session',
    reason:
      'FerretDB 1.24: no sessions (startSession: code 59 CommandNotFound "no such command: \'startSession\'")',
  },
];

/** Features the runner/driver does not have yet; skipped on every server. */
export const RUNNER_GAPS: readonly Limitation[] = [
  { uses: 'bucket', reason: 'GridFS is not built yet (bucket entity)' },
];

/**
 * Entity types and operation names a test uses. A file-level entity counts only when the test
 * mentions its id (a file may create a session that only some of its tests use).
 */
export function featuresOf(file: Document, test: Document): Set<string> {
  const out = new Set<string>();
  const text = JSON.stringify(test);
  const entities: Document[] = (file.createEntities ?? []).filter((e: Document) => {
    const [type, spec] = Object.entries(e)[0] as [string, Document];
    return !['session', 'bucket'].includes(type) || text.includes(`"${spec.id}"`);
  });
  const visit = (ops: Document[]) => {
    for (const op of ops) {
      out.add(op.name);
      if (op.name === 'createEntities') entities.push(...(op.arguments?.entities ?? []));
      if (op.arguments?.session !== undefined) out.add('session');
      if (op.arguments?.operation) visit([op.arguments.operation]);
      if (Array.isArray(op.arguments?.operations)) visit(op.arguments.operations);
    }
  };
  visit(test.operations ?? []);
  for (const e of entities) for (const k of Object.keys(e)) out.add(k);
  return out;
}

function matchesText(pattern: string | RegExp | undefined, text: string, exact: boolean): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === 'string')
    return exact ? text === pattern : text.endsWith(`/${pattern}`) || text === pattern;
  return pattern.test(text);
}

/** The reason `test` of `<folder>/<file>` is skipped by `list`, if any. */
export function limitationFor(
  list: readonly Limitation[],
  path: string,
  file: Document,
  test: Document,
): string | undefined {
  let features: Set<string> | undefined;
  for (const l of list) {
    if (!matchesText(l.file, path, false)) continue;
    if (!matchesText(l.test, String(test.description), true)) continue;
    if (l.uses) {
      features ??= featuresOf(file, test);
      if (!features.has(l.uses)) continue;
    }
    return l.reason;
  }
  return undefined;
}
