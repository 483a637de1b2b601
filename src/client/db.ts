import type { Document } from 'bson';
import { defer, type Observable } from 'rxjs';
import { executeOperation } from '../execute.js';
import { runCommandOperation } from '../operations/run-command.js';
import type { ClientContext } from './client-context.js';
import { Collection } from './collection.js';
import { type InheritedOptions, inherit } from './inherited-options.js';
import { validateDbName } from './names.js';

export interface RunCommandOptions {
  /** Reads may go to secondaries; without it the command goes to the primary. */
  readonly readPreference?: unknown;
}

/** A database handle. */
export class Db {
  readonly databaseName: string;
  protected readonly context: ClientContext;

  constructor(context: ClientContext, name: string, options?: InheritedOptions) {
    validateDbName(name);
    this.databaseName = name;
    this.context = { ...context, inherited: inherit(context.inherited, options) };
  }

  collection<TSchema extends Document = Document>(
    name: string,
    options?: InheritedOptions,
  ): Collection<TSchema> {
    return new Collection<TSchema>(this.context, this.databaseName, name, options);
  }

  /** Runs a command as given and emits the server's reply (run-command spec). */
  command(command: Document, options: RunCommandOptions = {}): Observable<Document> {
    return defer(() =>
      executeOperation(this.context.execution(), runCommandOperation(this.databaseName, command, options)),
    );
  }
}
