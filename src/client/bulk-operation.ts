import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { AnyBulkWriteOperation, BulkWriteOptions, BulkWriteResult } from '../operations/bulk-write.js';
import type { Filter, OptionalId, UpdateFilter, WithoutId } from '../operations/schema.js';
import { defer, type Observable } from '../rx.js';
import type { SessionOption } from './session-scope.js';

type Run<TSchema> = (
  models: readonly AnyBulkWriteOperation<TSchema>[],
  options: BulkWriteOptions & SessionOption,
) => Observable<BulkWriteResult>;

/**
 * The official legacy bulk builder (`initializeOrderedBulkOp` / `initializeUnorderedBulkOp`):
 * collects write models, and `execute()` runs them as one collection bulkWrite (a cold Observable).
 */
export class BulkOperation<TSchema extends Document = Document> {
  private readonly models: AnyBulkWriteOperation<TSchema>[] = [];

  constructor(
    private readonly run: Run<TSchema>,
    private readonly options: BulkWriteOptions & SessionOption,
  ) {}

  /** How many operations are queued. */
  get length(): number {
    return this.models.length;
  }

  insert(document: OptionalId<TSchema>): this {
    this.models.push({ insertOne: { document } });
    return this;
  }

  /** Starts an update, replace or delete of the documents `filter` matches. */
  find(filter: Filter<TSchema>): FindOperators<TSchema> {
    if (filter === null || typeof filter !== 'object') {
      throw new MongoInvalidArgumentError('Bulk find operation must specify a selector');
    }
    return new FindOperators<TSchema>(filter, (model) => {
      this.models.push(model);
      return this;
    });
  }

  /** Adds a raw write model. */
  raw(model: AnyBulkWriteOperation<TSchema>): this {
    this.models.push(model);
    return this;
  }

  /** Runs every queued operation (each subscription runs them again). */
  execute(options: BulkWriteOptions & SessionOption = {}): Observable<BulkWriteResult> {
    return defer(() => this.run(this.models.slice(), { ...this.options, ...options }));
  }
}

/** `bulk.find(filter)`: what to do with the documents it matches (with `upsert()` for updates). */
export class FindOperators<TSchema extends Document> {
  private upserting = false;
  private collationValue: Document | undefined;
  private hintValue: Document | string | undefined;
  private arrayFiltersValue: Document[] | undefined;

  constructor(
    private readonly filter: Filter<TSchema>,
    private readonly add: (model: AnyBulkWriteOperation<TSchema>) => BulkOperation<TSchema>,
  ) {}

  upsert(): this {
    this.upserting = true;
    return this;
  }
  collation(collation: Document): this {
    this.collationValue = collation;
    return this;
  }
  hint(hint: Document | string): this {
    this.hintValue = hint;
    return this;
  }
  arrayFilters(arrayFilters: Document[]): this {
    this.arrayFiltersValue = arrayFilters;
    return this;
  }

  private common(): Document {
    const out: Document = {};
    if (this.upserting) out.upsert = true;
    if (this.collationValue) out.collation = this.collationValue;
    if (this.hintValue !== undefined) out.hint = this.hintValue;
    return out;
  }

  updateOne(update: UpdateFilter<TSchema> | Document[]): BulkOperation<TSchema> {
    const arrayFilters = this.arrayFiltersValue ? { arrayFilters: this.arrayFiltersValue } : {};
    return this.add({ updateOne: { filter: this.filter, update, ...this.common(), ...arrayFilters } });
  }
  /** Updates every matching document. */
  update(update: UpdateFilter<TSchema> | Document[]): BulkOperation<TSchema> {
    const arrayFilters = this.arrayFiltersValue ? { arrayFilters: this.arrayFiltersValue } : {};
    return this.add({ updateMany: { filter: this.filter, update, ...this.common(), ...arrayFilters } });
  }
  replaceOne(replacement: WithoutId<TSchema>): BulkOperation<TSchema> {
    return this.add({ replaceOne: { filter: this.filter, replacement, ...this.common() } });
  }
  deleteOne(): BulkOperation<TSchema> {
    const { upsert: _u, ...rest } = this.common();
    return this.add({ deleteOne: { filter: this.filter, ...rest } });
  }
  /** Deletes every matching document. */
  delete(): BulkOperation<TSchema> {
    const { upsert: _u, ...rest } = this.common();
    return this.add({ deleteMany: { filter: this.filter, ...rest } });
  }
}
