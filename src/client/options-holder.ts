import type { Document } from 'bson';
import { defer, type Observable } from 'rxjs';
import { executeOperation } from '../execute/execute-operation.js';
import type { ExecutionScope } from '../execute/scope.js';
import type { CommandOperation, ConcernNeeds } from '../operations/operation.js';
import type { ReadPreference } from '../read-preference.js';
import type { ClientContext } from './client-context.js';
import {
  type InheritableOptions,
  type InheritedOptions,
  inherit,
  resolveOptions,
} from './inherited-options.js';

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
  protected run<T>(build: () => CommandOperation<T>, scope?: ExecutionScope): Observable<T> {
    return defer(() => executeOperation(this.context.execution(), build(), scope));
  }

  /** The operation's options with the concerns it takes resolved over the inherited ones. */
  protected resolve<O extends object>(options: O, needs: ConcernNeeds): O & InheritedOptions {
    return resolveOptions(this.context.inherited, options, needs);
  }
}
