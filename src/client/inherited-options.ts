import type { Document } from 'bson';
import { defer, type Observable } from 'rxjs';
import { executeOperation } from '../execute.js';
import type { CommandOperation } from '../operations/operation.js';
import {
  type ReadPreferenceLike,
  readConcernDocument,
  readPreferenceOf,
  type WriteConcernLike,
  writeConcernDocument,
} from '../operations/options.js';
import type { ReadConcernLevel, ReadConcernLike } from '../read-concern.js';
import type { ReadPreference } from '../read-preference.js';
import type { ClientContext } from './client-context.js';

/** What users may pass to `client.db(name, options)` and `db.collection(name, options)`. */
export interface InheritableOptions {
  readonly readPreference?: ReadPreferenceLike;
  readonly readConcern?: ReadConcernLike | ReadConcernLevel;
  readonly writeConcern?: WriteConcernLike;
}

/**
 * Options resolved client -> db -> collection -> operation, as the official driver does: each level
 * inherits the level above unless it sets its own. Stored validated, concerns in their wire form.
 */
export interface InheritedOptions {
  readonly readPreference?: ReadPreference;
  readonly readConcern?: Document;
  readonly writeConcern?: Document;
}

/** Validates `own` (MongoInvalidArgumentError) and layers it over `parent`. */
export function inherit(parent: InheritedOptions, own: InheritableOptions = {}): InheritedOptions {
  return {
    readPreference: readPreferenceOf(own.readPreference) ?? parent.readPreference,
    readConcern: readConcernDocument(own.readConcern) ?? parent.readConcern,
    writeConcern: writeConcernDocument(own.writeConcern) ?? parent.writeConcern,
  };
}

/** An operation's own read/write options over the inherited ones (operation level wins). */
export function resolveOptions<O extends object>(
  inherited: InheritedOptions,
  options: O,
): O & InheritedOptions {
  return { ...options, ...inherit(inherited, options as InheritableOptions) };
}

/**
 * What Db and Collection share: the client context with their own inherited options, the getters
 * that expose them, and the one way they run an operation.
 */
export abstract class OptionsHolder {
  protected readonly context: ClientContext;

  constructor(context: ClientContext, options: InheritableOptions | undefined) {
    this.context = { ...context, inherited: inherit(context.inherited, options) };
  }

  get readPreference(): ReadPreference | undefined {
    return this.context.inherited.readPreference;
  }

  get writeConcern(): Document | undefined {
    return this.context.inherited.writeConcern;
  }

  get readConcern(): Document | undefined {
    return this.context.inherited.readConcern;
  }

  /** Runs an operation built on subscribe, so argument errors error the Observable, not the call. */
  protected run<T>(build: () => CommandOperation<T>): Observable<T> {
    return defer(() => executeOperation(this.context.execution(), build()));
  }

  /** Operation-level read/write concern and read preference over the inherited ones. */
  protected resolve<O extends object>(options: O): O & InheritedOptions {
    return resolveOptions(this.context.inherited, options);
  }
}
