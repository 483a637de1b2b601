import type { Document } from 'bson';
import { defer, type Observable } from 'rxjs';
import { executeOperation } from '../execute.js';
import { type FindOptions, validateFindOptions } from '../operations/find.js';
import { type InsertOneResult, type InsertOptions, insertOneOperation } from '../operations/insert.js';
import type { ClientContext } from './client-context.js';
import { FindCursor } from './find-cursor.js';
import { type InheritedOptions, inherit } from './inherited-options.js';
import { validateCollectionName } from './names.js';

/** A collection handle. Every method returns a cold Observable: nothing is sent before subscribe. */
export class Collection<TSchema extends Document = Document> {
  readonly dbName: string;
  readonly collectionName: string;
  protected readonly context: ClientContext;

  constructor(context: ClientContext, dbName: string, name: string, options?: InheritedOptions) {
    validateCollectionName(name);
    this.dbName = dbName;
    this.collectionName = name;
    this.context = { ...context, inherited: inherit(context.inherited, options) };
  }

  get namespace(): string {
    return `${this.dbName}.${this.collectionName}`;
  }

  get readPreference(): unknown {
    return this.context.inherited.readPreference;
  }

  get writeConcern(): Document | undefined {
    return this.context.inherited.writeConcern;
  }

  get readConcern(): Document | undefined {
    return this.context.inherited.readConcern;
  }

  insertOne(document: TSchema, options: InsertOptions = {}): Observable<InsertOneResult> {
    return defer(() =>
      executeOperation(
        this.context.execution(),
        insertOneOperation(this.dbName, this.collectionName, document, {
          ...options,
          writeConcern: options.writeConcern ?? this.context.inherited.writeConcern,
        }),
      ),
    );
  }

  find(filter: Document = {}, options: FindOptions = {}): FindCursor<TSchema> {
    validateFindOptions(options);
    return new FindCursor<TSchema>(this.context.execution(), this.dbName, this.collectionName, filter, {
      ...options,
      readPreference: options.readPreference ?? this.context.inherited.readPreference,
      readConcern: options.readConcern ?? this.context.inherited.readConcern,
    });
  }
}
