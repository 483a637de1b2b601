// Atlas Search index helpers (index-management spec, "Search Index Management Helpers"). They
// send no read or write concern; dropSearchIndex ignores NamespaceNotFound. Servers without
// Atlas Search answer them with an error (SearchNotEnabled), which reaches the caller unchanged.
import type { Document } from 'bson';
import {
  MongoInvalidArgumentError,
  MongoServerError,
  MongoUnexpectedServerResponseError,
} from '../errors.js';
import type { CommandOperation } from './operation.js';
import { assertDocument } from './options.js';

/** One search index: its definition, and optionally its name and type ('search' or 'vectorSearch'). */
export interface SearchIndexDescription {
  readonly definition: Document;
  readonly name?: string;
  readonly type?: 'search' | 'vectorSearch' | string;
}

/** NamespaceNotFound: dropping a search index of a collection that does not exist is not an error. */
const NAMESPACE_NOT_FOUND = 26;

function searchIndexCommand<R>(
  db: string,
  command: Document,
  parse: (reply: Document) => R,
): CommandOperation<R> {
  return {
    commandName: Object.keys(command)[0] ?? '',
    dbName: db,
    kind: 'write',
    retryable: false,
    build: () => ({ command }),
    parse,
  };
}

function checkDescription(d: unknown, i: number): SearchIndexDescription {
  assertDocument(d, `search index ${i}`);
  assertDocument((d as Document).definition, `search index ${i} definition`);
  return d as SearchIndexDescription;
}

/** `createSearchIndexes`; emits the names the server gave the indexes, in order. */
export function createSearchIndexesOperation(
  db: string,
  collection: string,
  descriptions: readonly SearchIndexDescription[],
): CommandOperation<string[]> {
  if (!Array.isArray(descriptions))
    throw new MongoInvalidArgumentError('search index descriptions must be an array');
  const indexes = descriptions.map((d, i) => ({ ...checkDescription(d, i) }));
  return searchIndexCommand(db, { createSearchIndexes: collection, indexes }, (reply) => {
    const created: unknown = reply.indexesCreated;
    if (!Array.isArray(created))
      throw new MongoUnexpectedServerResponseError('createSearchIndexes reply has no indexesCreated array');
    return created.map((c: Document) => String(c?.name));
  });
}

export function updateSearchIndexOperation(
  db: string,
  collection: string,
  name: string,
  definition: Document,
): CommandOperation<void> {
  if (typeof name !== 'string') throw new MongoInvalidArgumentError('name must be a string');
  assertDocument(definition, 'definition');
  return searchIndexCommand(db, { updateSearchIndex: collection, name, definition }, () => undefined);
}

/** `dropSearchIndex` (the caller ignores NamespaceNotFound: see `isNamespaceNotFound`). */
export function dropSearchIndexOperation(
  db: string,
  collection: string,
  name: string,
): CommandOperation<void> {
  if (typeof name !== 'string') throw new MongoInvalidArgumentError('name must be a string');
  return searchIndexCommand(db, { dropSearchIndex: collection, name }, () => undefined);
}

export function isNamespaceNotFound(e: unknown): boolean {
  return e instanceof MongoServerError && e.code === NAMESPACE_NOT_FOUND;
}

/** The `$listSearchIndexes` stage, with the name when one is asked for. */
export function listSearchIndexesStage(name: string | undefined): Document {
  return { $listSearchIndexes: name === undefined ? {} : { name } };
}
