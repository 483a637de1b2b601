// What a server remembers of retryable writes: per session (lsid) the reply of its latest
// txnNumber, so a retry is answered without running the write again (retryable writes spec,
// "Server-side behaviour"). Shared by all members: it stands for the oplog they replicate.
import type { Document, Long } from 'bson';

export type RetryLookup =
  /** First attempt: run it, then `settle` with the reply to remember (undefined: nothing applied). */
  | { readonly kind: 'first'; settle(reply: Document | undefined): void }
  /** A retry: the first attempt's reply (undefined when it applied nothing: run it again). */
  | { readonly kind: 'retry'; readonly reply: Promise<Document | undefined> }
  /** An older txnNumber than the session has used (mongod: TransactionTooOld). */
  | { readonly kind: 'too-old'; readonly latest: bigint };

interface Entry {
  readonly txnNumber: bigint;
  readonly reply: Promise<Document | undefined>;
}

const MAX_SESSIONS = 100_000;

export class RetryMemory {
  private readonly sessions = new Map<string, Entry>();

  /** The session key of a command's `lsid` (id, and uid when authenticated), or undefined. */
  static sessionKey(lsid: unknown): string | undefined {
    if (typeof lsid !== 'object' || lsid === null) return undefined;
    const part = (v: unknown) =>
      typeof v === 'object' && v !== null && 'buffer' in v
        ? Buffer.from((v as { buffer: Uint8Array }).buffer).toString('hex')
        : '';
    const { id, uid } = lsid as { id?: unknown; uid?: unknown };
    const key = part(id);
    return key === '' ? undefined : `${key}/${part(uid)}`;
  }

  lookup(session: string, txnNumber: Long): RetryLookup {
    const txn = txnNumber.toBigInt();
    const entry = this.sessions.get(session);
    if (entry && txn < entry.txnNumber) return { kind: 'too-old', latest: entry.txnNumber };
    if (entry && txn === entry.txnNumber) return { kind: 'retry', reply: entry.reply };
    let settle!: (reply: Document | undefined) => void;
    const reply = new Promise<Document | undefined>((resolve) => {
      settle = resolve;
    });
    const fresh: Entry = { txnNumber: txn, reply };
    this.sessions.delete(session);
    this.sessions.set(session, fresh);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return {
      kind: 'first',
      settle: (stored) => {
        // Nothing applied: forget the attempt, so the retry runs the write.
        if (stored === undefined && this.sessions.get(session) === fresh) this.sessions.delete(session);
        settle(stored);
      },
    };
  }
}
