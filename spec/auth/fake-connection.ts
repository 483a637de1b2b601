import type { Document } from 'bson';
import { defer, type Observable, of } from 'rxjs';
import type { Connection } from '../../src/connection/types.js';
import { MongoServerError } from '../../src/errors.js';

/** The server side of a conversation: answers one command, or returns an `ok: 0` reply. */
export type FakeServer = (db: string, command: Document) => Document;

/** A Connection that plays a scripted server and records what was sent. */
export class FakeConnection implements Connection {
  readonly id = 1;
  readonly address = 'fake:27017';
  readonly generation = 0;
  readonly hello: Document | undefined = undefined;
  readonly serverConnectionId: number | undefined = undefined;
  readonly closed = false;
  readonly sent: { db: string; command: Document }[] = [];

  constructor(private readonly server: FakeServer) {}

  command(db: string, command: Document): Observable<Document> {
    return defer(() => {
      this.sent.push({ db, command });
      const reply = this.server(db, command);
      if (reply.ok !== 1) throw new MongoServerError(reply);
      return of(reply);
    });
  }

  close(): void {}

  /** Names of the commands sent, in order. */
  names(): string[] {
    return this.sent.map((s) => Object.keys(s.command)[0]!);
  }
}
