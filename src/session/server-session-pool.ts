import { Binary, type Document, UUID } from 'bson';

/** One server session: the `lsid` the server knows, and what the driver tracks about it. */
export class ServerSession {
  readonly id: { readonly id: Binary };
  /** Scheduler-clock ms of the last command sent with it (expiry is measured from here). */
  lastUse: number;
  /** Retryable writes and transactions: the last txnNumber used with this session. */
  txnNumber = 0;
  /** A network error happened while it was in use: the server may still hold it (sessions spec). */
  dirty = false;

  constructor(now: number) {
    this.id = { id: new Binary(new UUID().toBinary().buffer, Binary.SUBTYPE_UUID) };
    this.lastUse = now;
  }

  /** True when the session would time out on the server within a minute (sessions spec "Server Session Pool"). */
  expiresWithinAMinute(now: number, timeoutMinutes: number): boolean {
    return this.lastUse + (timeoutMinutes - 1) * 60_000 <= now;
  }

  toDocument(): Document {
    return { id: this.id.id };
  }
}

/**
 * The client's pool of server sessions (sessions spec "Server Session Pool"): LIFO reuse, so few
 * sessions stay warm; dirty sessions are dropped on return; sessions close to their server-side
 * expiry are never handed out. Pure: the clock is passed in.
 */
export class ServerSessionPool {
  /** Most recently used last. */
  private readonly sessions: ServerSession[] = [];

  get size(): number {
    return this.sessions.length;
  }

  /** A session that will not expire within a minute: the most recently returned one, or a new one. */
  acquire(now: number, timeoutMinutes: number): ServerSession {
    while (this.sessions.length > 0) {
      const session = this.sessions.pop() as ServerSession;
      if (!session.expiresWithinAMinute(now, timeoutMinutes)) return session;
    }
    return new ServerSession(now);
  }

  /** Returns a session; dirty or nearly expired ones are dropped, and stale ones pruned from the bottom. */
  release(session: ServerSession, now: number, timeoutMinutes: number | null): void {
    if (timeoutMinutes !== null) {
      while (
        this.sessions.length > 0 &&
        (this.sessions[0] as ServerSession).expiresWithinAMinute(now, timeoutMinutes)
      )
        this.sessions.shift();
      if (session.expiresWithinAMinute(now, timeoutMinutes)) return;
    }
    if (session.dirty) return;
    this.sessions.push(session);
  }

  /** Empties the pool and gives the ids to end (`endSessions`), in batches of at most `batch`. */
  drain(batch = 10_000): Document[][] {
    const ids = this.sessions.splice(0).map((s) => s.toDocument());
    const out: Document[][] = [];
    for (let i = 0; i < ids.length; i += batch) out.push(ids.slice(i, i + batch));
    return out;
  }
}
