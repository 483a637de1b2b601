// Multi-statement transactions played at the command level in front of FerretDB (which has none):
// per (lsid, txnNumber) the proxy keeps the server's transaction state and enforces mongod's rules
// (startTransaction, NoSuchTransaction, TransactionCommitted, TransactionTooOld; an error of a
// statement aborts the transaction). Writes are applied at once and undone on abort: before a
// transaction first writes to a namespace, the proxy saves that namespace's documents (the undo
// image) and an abort puts them back. Their change events wait in the transaction and are logged
// at commit (mongod writes a transaction's oplog entries when it commits, never after an abort).
// What this does not emulate is in the README ("Transactions").
import { type Document, Long } from 'bson';
import type { PendingEntry } from './change-streams/recorder.js';
import { RetryMemory } from './retry-memory.js';

/** Commands whose effects the undo images cover. */
const UNDOABLE_WRITES: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'findAndModify']);

type State = 'in_progress' | 'committed' | 'aborted';

interface Txn {
  readonly txnNumber: bigint;
  state: State;
  /** Namespace ("db.coll") -> its documents before the transaction's first write to it. */
  readonly undo: Map<string, Document[]>;
  /** A write outside the transaction touched one of its namespaces: its undo image is stale. */
  overlapped: boolean;
  /** The member or router whose statement started it. */
  readonly startedAt: number;
  /** The change events of its writes, logged when it commits (dropped when it aborts). */
  events: PendingEntry[];
}

/** What `isolateOpen` found: whether reads now show only committed data. */
export type OpenTransactions = 'none' | 'isolated' | 'unknown';

/** The error a transaction rule answers with: code, message, and whether it is transient. */
export interface TransactionRefusal {
  readonly code: number;
  readonly errmsg: string;
}

/** What the table needs to read and restore documents at the upstream. */
export interface UndoStore {
  run(command: Document): Promise<Document>;
}

const MAX_SESSIONS = 100_000;

export class TransactionTable {
  private readonly sessions = new Map<string, Txn>();

  constructor(private readonly store: UndoStore) {}

  /**
   * A statement of a transaction (`autocommit: false`, not commit/abort) arrives: starts the
   * transaction (aborting an older open one of the session) or checks it is in progress.
   */
  async begin(command: Document, member = 0): Promise<TransactionRefusal | undefined> {
    const key = RetryMemory.sessionKey(command.lsid);
    const txnNumber = txnNumberOf(command);
    if (key === undefined || txnNumber === undefined)
      return { code: 72, errmsg: 'a transaction statement needs lsid and txnNumber' };
    const current = this.sessions.get(key);
    if (command.startTransaction === true) {
      if (current && txnNumber < current.txnNumber)
        return {
          code: 225,
          errmsg: `Cannot start transaction ${txnNumber} on session because a newer transaction ${current.txnNumber} has already started`,
        };
      if (current && txnNumber === current.txnNumber)
        return { code: 251, errmsg: `Transaction ${txnNumber} has already been started on this session` };
      if (current?.state === 'in_progress') await this.rollBack(current);
      this.sessions.delete(key);
      this.sessions.set(key, {
        txnNumber,
        state: 'in_progress',
        undo: new Map(),
        overlapped: false,
        startedAt: member,
        events: [],
      });
      if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
      return undefined;
    }
    if (!current || current.txnNumber !== txnNumber)
      return {
        code: 251,
        errmsg: `Given transaction number ${txnNumber} does not match any in-progress transactions`,
      };
    if (current.state === 'aborted')
      return { code: 251, errmsg: `Transaction with txnNumber ${txnNumber} has been aborted.` };
    if (current.state === 'committed')
      return { code: 256, errmsg: `Transaction ${txnNumber} has been committed.` };
    return undefined;
  }

  /** Before a write of an open transaction runs: the namespace's undo image, once per transaction. */
  async beforeWrite(command: Document, commandName: string, db: string): Promise<void> {
    const txn = this.open(command);
    const coll: unknown = command[commandName];
    if (!txn || !UNDOABLE_WRITES.has(commandName) || typeof coll !== 'string') return;
    const ns = `${db}.${coll}`;
    if (txn.undo.has(ns)) return;
    txn.undo.set(ns, await this.documents(db, coll));
  }

  /**
   * The change events of a statement of an open transaction: kept until it commits, each with the
   * transaction's lsid and txnNumber as mongod shows them.
   */
  deferEvents(command: Document, entries: readonly PendingEntry[]): void {
    const txn = this.open(command);
    if (!txn) return;
    const ids = { lsid: command.lsid as Document, txnNumber: Long.fromBigInt(txn.txnNumber) };
    for (const entry of entries) txn.events.push({ ...entry, event: { ...entry.event, ...ids } });
  }

  /** After a commit succeeded: the events its transaction deferred, once (a retried commit gets none). */
  takeCommittedEvents(command: Document): PendingEntry[] {
    const txn = this.matching(command);
    if (txn?.state !== 'committed') return [];
    const events = txn.events;
    txn.events = [];
    return events;
  }

  /**
   * endSessions / killSessions (ids) and killAllSessions (all): mongod aborts the open transactions
   * of those sessions, so their writes are rolled back here.
   */
  async endSessions(lsids: readonly unknown[] | 'all'): Promise<void> {
    const keys = lsids === 'all' ? [...this.sessions.keys()] : lsids.map((l) => RetryMemory.sessionKey(l));
    for (const key of keys) {
      const txn = key === undefined ? undefined : this.sessions.get(key);
      if (!txn) continue;
      this.sessions.delete(key!);
      if (txn.state === 'in_progress') await this.rollBack(txn);
    }
  }

  /** A write outside any transaction: open transactions that imaged its namespace can no longer be undone exactly. */
  noteWrite(command: Document, commandName: string, db: string): void {
    const ns = `${db}.${String(command[commandName])}`;
    for (const txn of this.sessions.values())
      if (txn.state === 'in_progress' && txn.undo.has(ns)) txn.overlapped = true;
  }

  /**
   * For an outcome check: what a reader outside the open transactions would see. Their writes are
   * visible here (no isolation), so each open transaction that wrote is rolled back (and counts as
   * aborted, as mongod aborts it when its session ends); 'unknown' when another write overlapped one.
   */
  async isolateOpen(): Promise<OpenTransactions> {
    let result: OpenTransactions = 'none';
    for (const txn of this.sessions.values()) {
      if (txn.state !== 'in_progress' || txn.undo.size === 0) continue;
      if (txn.overlapped) return 'unknown';
      txn.state = 'aborted';
      await this.rollBack(txn);
      result = 'isolated';
    }
    return result;
  }

  /** A statement failed (ok: 0, write errors, a fail point's error): mongod aborts the transaction. */
  async failed(command: Document): Promise<void> {
    const txn = this.open(command);
    if (!txn) return;
    txn.state = 'aborted';
    await this.rollBack(txn);
  }

  /**
   * commitTransaction: ok for an open (then committed) or committed transaction; else the refusal.
   * `router` (mongos mode): another router than the one that ran the statements can only recover a
   * commit that happened (the recoveryToken's shard knows it); an open transaction it cannot commit.
   */
  async commit(command: Document, router?: number): Promise<TransactionRefusal | undefined> {
    const txn = this.matching(command);
    if (!txn) return noSuchTransaction(command);
    if (txn.state === 'in_progress' && router !== undefined && router !== txn.startedAt) {
      txn.state = 'aborted';
      await this.rollBack(txn);
    }
    if (txn.state === 'aborted')
      return { code: 251, errmsg: `Transaction with txnNumber ${txn.txnNumber} has been aborted.` };
    txn.state = 'committed';
    txn.undo.clear();
    return undefined;
  }

  /** abortTransaction: rolls an open transaction back; else the refusal mongod gives. */
  async abort(command: Document): Promise<TransactionRefusal | undefined> {
    const txn = this.matching(command);
    if (!txn) return noSuchTransaction(command);
    if (txn.state === 'committed')
      return { code: 256, errmsg: `Transaction ${txn.txnNumber} has been committed.` };
    if (txn.state === 'aborted')
      return { code: 251, errmsg: `Transaction with txnNumber ${txn.txnNumber} has been aborted.` };
    txn.state = 'aborted';
    await this.rollBack(txn);
    return undefined;
  }

  /** The session's transaction named by the command, whatever its state. */
  private matching(command: Document): Txn | undefined {
    const key = RetryMemory.sessionKey(command.lsid);
    const txnNumber = txnNumberOf(command);
    const txn = key === undefined ? undefined : this.sessions.get(key);
    return txn && txn.txnNumber === txnNumber ? txn : undefined;
  }

  private open(command: Document): Txn | undefined {
    const txn = this.matching(command);
    return txn?.state === 'in_progress' ? txn : undefined;
  }

  private async documents(db: string, coll: string): Promise<Document[]> {
    const reply = await this.store.run({ find: coll, filter: {}, batchSize: 1_000_000, $db: db });
    const cursor = reply.cursor as { firstBatch?: Document[] } | undefined;
    return Number(reply.ok) === 1 && cursor?.firstBatch ? cursor.firstBatch : [];
  }

  /** Puts every namespace the transaction wrote back to its undo image. */
  private async rollBack(txn: Txn): Promise<void> {
    txn.events = [];
    const images = [...txn.undo];
    txn.undo.clear();
    for (const [ns, docs] of images) {
      const dot = ns.indexOf('.');
      const db = ns.slice(0, dot);
      const coll = ns.slice(dot + 1);
      await this.store.run({ delete: coll, deletes: [{ q: {}, limit: 0 }], $db: db });
      if (docs.length > 0) await this.store.run({ insert: coll, documents: docs, $db: db });
    }
  }
}

function txnNumberOf(command: Document): bigint | undefined {
  const raw: unknown = command.txnNumber;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'object' && 'toBigInt' in raw) return (raw as { toBigInt(): bigint }).toBigInt();
  const n = Number(raw);
  return Number.isInteger(n) ? BigInt(n) : undefined;
}

function noSuchTransaction(command: Document): TransactionRefusal {
  return {
    code: 251,
    errmsg: `Given transaction number ${txnNumberOf(command)} does not match any in-progress transactions`,
  };
}

/** Whether a reply says its statement failed (mongod aborts the transaction then). */
export function statementFailed(reply: Document): boolean {
  return Number(reply.ok) !== 1 || (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0);
}
