import type { Document } from 'bson';
import type { ListDatabasesOptions, ListDatabasesResult } from '../operations/list-databases.js';
import type { ReadPreferenceLike } from '../read-preference.js';
import type { Observable } from '../rx.js';
import type { SessionOption } from './session-scope.js';

/** What Admin needs of its `admin` Db (a structural type, so admin.ts does not import db.ts). */
export interface AdminDb {
  command(
    command: Document,
    options?: { readonly readPreference?: ReadPreferenceLike } & SessionOption,
  ): Observable<Document>;
  removeUser(username: string, options?: SessionOption): Observable<boolean>;
}

/**
 * `client.db().admin()` (the official Admin): commands on the `admin` database. Each method is a
 * cold Observable of the server's reply.
 */
export class Admin {
  constructor(
    private readonly db: AdminDb,
    private readonly listDatabasesOf: (options: ListDatabasesOptions) => Observable<ListDatabasesResult>,
  ) {}

  /** Runs any command on admin. */
  command(
    command: Document,
    options: { readonly readPreference?: ReadPreferenceLike } & SessionOption = {},
  ): Observable<Document> {
    return this.db.command(command, options);
  }

  ping(options: SessionOption = {}): Observable<Document> {
    return this.db.command({ ping: 1 }, options);
  }

  serverStatus(options: SessionOption = {}): Observable<Document> {
    return this.db.command({ serverStatus: 1 }, options);
  }

  buildInfo(options: SessionOption = {}): Observable<Document> {
    return this.db.command({ buildinfo: 1 }, options);
  }

  /** The official alias of buildInfo. */
  serverInfo(options: SessionOption = {}): Observable<Document> {
    return this.buildInfo(options);
  }

  replSetGetStatus(options: SessionOption = {}): Observable<Document> {
    return this.db.command({ replSetGetStatus: 1 }, options);
  }

  listDatabases(options: ListDatabasesOptions = {}): Observable<ListDatabasesResult> {
    return this.listDatabasesOf(options);
  }

  /** `dropUser` (the official removeUser). */
  removeUser(username: string, options: SessionOption = {}): Observable<boolean> {
    return this.db.removeUser(username, options);
  }
}
