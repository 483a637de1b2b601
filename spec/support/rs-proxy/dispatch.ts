// What a member does with one request, in mongod's order: fail points (block, then close or
// error), hello, the proxy's own answers, primary/secondary rules, the retry memory, then the
// upstream; cluster time on every reply.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Document, Long, type Timestamp } from 'bson';
import { OP_QUERY } from '../../../src/wire/index.js';
import type { ChangeStreams } from './change-streams/index.js';
import type { ClientConnection, ProxyRequest } from './client-connection.js';
import type { LogicalClock } from './cluster-time.js';
import {
  HELLO_COMMANDS,
  inTransaction,
  isEndTransaction,
  isOptInRead,
  isRetryableWrite,
  isWriteCommand,
  secondaryOk,
} from './command-kinds.js';
import {
  type FailCommandAction,
  type FailPoints,
  failCommandAction,
  failCommandMatches,
  transactionalWriteAction,
} from './fail-point.js';
import { answerHello, buildHello, type HelloSource } from './hello.js';
import { type ErrorContext, serverError, withWriteConcernError } from './replies.js';
import { RetryMemory } from './retry-memory.js';
import type { TopologyVersion } from './topology.js';
import { statementFailed, type TransactionRefusal, type TransactionTable } from './transactions.js';
import { proxyAnswer, translateRequest } from './translations.js';
import type { CommandOutcome, CommandRecord } from './types.js';
import type { UpstreamPool } from './upstream.js';

export interface Deployment extends HelloSource {
  readonly clock: LogicalClock;
  /** Change streams played from the writes the proxy forwards (change-streams/). */
  readonly changeStreams: ChangeStreams;
  readonly retries: RetryMemory;
  readonly transactions: TransactionTable;
  readonly upstream: UpstreamPool;
  record(record: CommandRecord): void;
}

export interface MemberContext {
  readonly index: number;
  readonly topologyVersion: TopologyVersion;
  readonly failPoints: FailPoints;
}

/** The result of running a command: the reply, or that the connection must close without one. */
type Execution =
  | { readonly reply: Document; readonly outcome: CommandOutcome; readonly operationTime?: Timestamp }
  | { readonly closeWith: CommandOutcome };

class Exchange {
  readonly name: string;
  readonly command: Document;
  readonly errorContext: ErrorContext;
  /** Whether the command ran at the upstream (a retry answered from memory did not). */
  executed = false;

  constructor(
    readonly deployment: Deployment,
    readonly member: MemberContext,
    readonly conn: ClientConnection,
    readonly request: ProxyRequest,
  ) {
    this.name = request.commandName;
    this.command = request.command;
    this.errorContext = {
      commandName: this.name,
      command: this.command,
      topologyVersion: member.topologyVersion.current,
    };
  }

  record(outcome: CommandOutcome, reply?: Document): void {
    this.deployment.record({
      member: this.member.index,
      connectionId: this.conn.id,
      commandName: this.name,
      command: this.command,
      outcome,
      executed: this.executed,
      reply,
    });
  }

  /** Stamps cluster time and sends (nothing for a moreToCome request). */
  send(body: Document, outcome: CommandOutcome, operationTime?: Timestamp): void {
    const reply = this.deployment.clock.stamp(body, operationTime);
    if (this.request.moreToCome) {
      this.record(outcome === 'forwarded' ? 'forwarded-no-reply' : outcome);
      return;
    }
    this.conn.reply(this.request, reply);
    this.record(outcome, reply);
  }

  closeWithout(outcome: CommandOutcome): void {
    this.record(outcome);
    this.conn.closeAfterWrites();
  }

  error(code: number, errmsg: string, outcome: CommandOutcome, labels?: readonly string[]): void {
    this.send(serverError(code, errmsg, this.errorContext, labels), outcome);
  }
}

/** What `failCommand` makes of one execution of a command (after any blockConnection). */
type FailCommandVerdict =
  | { readonly kind: 'proceed'; readonly action: FailCommandAction | undefined }
  /** The connection closed while the command was blocked. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'close' }
  | { readonly kind: 'error'; readonly code: number; readonly labels: readonly string[] | undefined };

const FAIL_COMMAND_MESSAGE = "Failing command via 'failCommand' failpoint";

async function failCommandVerdict(x: Exchange): Promise<FailCommandVerdict> {
  const { member, conn, request, name, command } = x;
  const fired = member.failPoints.failCommand.fire((data) =>
    failCommandMatches(data, { commandName: name, appName: conn.appName, db: request.db, command }),
  );
  const action = fired ? failCommandAction(fired) : undefined;
  if (!action) return { kind: 'proceed', action };
  if (action.blockMS > 0) {
    x.record('fail-point-block');
    await sleep(action.blockMS, undefined, { signal: conn.signal }).catch(() => undefined);
    if (conn.closed) return { kind: 'gone' };
  }
  if (action.closeConnection) return { kind: 'close' };
  if (action.errorCode !== undefined)
    return { kind: 'error', code: action.errorCode, labels: action.errorLabels };
  return { kind: 'proceed', action };
}

/**
 * Applies failCommand to a request: 'handled' when it answered (or closed) in the command's place,
 * else the action whose later effects (writeConcernError, dropReplyAfterExecution) still apply.
 */
async function applyFailCommand(x: Exchange): Promise<FailCommandAction | undefined | 'handled'> {
  const verdict = await failCommandVerdict(x);
  switch (verdict.kind) {
    case 'proceed':
      return verdict.action;
    case 'gone':
      return 'handled';
    case 'close':
      x.closeWithout('fail-point-close');
      return 'handled';
    case 'error':
      x.error(verdict.code, FAIL_COMMAND_MESSAGE, 'fail-point-error', verdict.labels);
      return 'handled';
  }
}

/** The same for each later reply of a streaming hello: the error reply that ends the stream, 'stop' or nothing. */
async function streamedFailCommand(x: Exchange): Promise<Document | 'stop' | undefined> {
  const verdict = await failCommandVerdict(x);
  switch (verdict.kind) {
    case 'proceed':
      return undefined;
    case 'gone':
      return 'stop';
    case 'close':
      x.closeWithout('fail-point-close');
      return 'stop';
    case 'error': {
      x.record('fail-point-error');
      const body = serverError(verdict.code, FAIL_COMMAND_MESSAGE, x.errorContext, verdict.labels);
      return x.deployment.clock.stamp(body);
    }
  }
}

export async function handleRequest(
  deployment: Deployment,
  member: MemberContext,
  conn: ClientConnection,
  request: ProxyRequest,
): Promise<void> {
  const x = new Exchange(deployment, member, conn, request);
  const { name, command } = x;
  const gossip: unknown = command.$clusterTime;
  if (typeof gossip === 'object' && gossip !== null)
    deployment.clock.advance((gossip as Document).clusterTime);
  const isHello = HELLO_COMMANDS.has(name);
  if (isHello && conn.appName === undefined) conn.appName = appNameOf(command);

  if (name === 'configureFailPoint') {
    x.send(member.failPoints.configure(command), 'answered');
    return;
  }
  // failCommand answers before the command runs: a transaction stays as it was.
  const action = await applyFailCommand(x);
  if (action === 'handled') return;

  if (isHello) {
    // Recorded first: a streaming hello answers until its connection closes.
    x.record('answered');
    await answerHello(
      conn,
      request,
      member.topologyVersion,
      () => buildHello(deployment, member.index, member.topologyVersion, conn, command),
      // mongod runs a streamed hello again for each reply, fail points included.
      () => streamedFailCommand(x),
    );
    return;
  }
  if (request.opCode === OP_QUERY) {
    x.error(
      352,
      `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade.`,
      'rejected',
    );
    return;
  }
  if (refusedByRole(x)) return;
  await endSessionsOf(x);
  if (deployment.changeStreams.handles(name, command)) {
    const r = { member: member.index, db: request.db, command, signal: conn.signal };
    x.send(
      await deployment.changeStreams.answer(name, r, member.failPoints.failGetMoreAfterCursorCheckout),
      'answered',
    );
    return;
  }
  const answer = ownAnswer(x);
  if (answer) {
    x.send(answer, 'answered');
    return;
  }

  const result = isEndTransaction(name) ? await endTransaction(x) : await execute(x, action);
  if ('closeWith' in result) {
    x.closeWithout(result.closeWith);
    return;
  }
  if (action?.dropReplyAfterExecution) {
    x.closeWithout('dropped-after-execution');
    return;
  }
  let reply = result.reply;
  if (action?.writeConcernError) {
    reply = withWriteConcernError(reply, action.writeConcernError, x.errorContext, action.errorLabels);
  }
  x.send(reply, result.outcome, result.operationTime);
}

function appNameOf(hello: Document): string | undefined {
  const client: unknown = hello.client;
  if (typeof client !== 'object' || client === null) return undefined;
  const app: unknown = (client as Document).application;
  if (typeof app !== 'object' || app === null) return undefined;
  const name: unknown = (app as Document).name;
  return typeof name === 'string' ? name : undefined;
}

/** A secondary refuses writes (NotWritablePrimary) and reads without secondaryOk (13435). */
function refusedByRole(x: Exchange): boolean {
  const state = x.deployment.state;
  if (x.deployment.kind !== 'replicaset' || !state || state.primary === x.member.index) return false;
  if (isWriteCommand(x.name, x.command)) {
    x.error(10107, 'not primary', 'not-primary');
    return true;
  }
  if (isOptInRead(x.name) && !secondaryOk(x.command, x.request.opQueryFlags)) {
    x.error(13435, 'not primary and secondaryOk=false', 'not-primary');
    return true;
  }
  return false;
}

/** Ended or killed sessions lose their open transactions (rolled back), as in mongod. */
async function endSessionsOf(x: Exchange): Promise<void> {
  const table = x.deployment.transactions;
  if (x.name === 'killAllSessions' || x.name === 'killAllSessionsByPattern') await table.endSessions('all');
  else if (x.name === 'endSessions' || x.name === 'killSessions') {
    const ids: unknown = x.command[x.name];
    if (Array.isArray(ids)) await table.endSessions(ids);
  }
}

/** Commands the proxy answers itself: replSetStepDown and the FerretDB translations' answers. */
function ownAnswer(x: Exchange): Document | undefined {
  if (x.name === 'replSetStepDown') {
    const state = x.deployment.state;
    if (!state)
      return { ok: 0, code: 76, codeName: 'NoReplicationEnabled', errmsg: 'not running with --replSet' };
    state.stepDown();
    return { ok: 1 };
  }
  return proxyAnswer(x.name, x.command);
}

function refused(x: Exchange, refusal: TransactionRefusal): Execution {
  return { reply: serverError(refusal.code, refusal.errmsg, x.errorContext), outcome: 'answered' };
}

/** commitTransaction / abortTransaction against the transaction table (transactions.ts). */
async function endTransaction(x: Exchange): Promise<Execution> {
  const table = x.deployment.transactions;
  const router = x.deployment.kind === 'sharded' ? x.member.index : undefined;
  const refusal =
    x.name === 'commitTransaction' ? await table.commit(x.command, router) : await table.abort(x.command);
  if (refusal) return refused(x, refusal);
  x.executed = true;
  const reply: Document = { ok: 1 };
  const unsatisfiable = unsatisfiableWriteConcern(x);
  if (unsatisfiable) reply.writeConcernError = unsatisfiable;
  const operationTime = x.deployment.clock.tick();
  // The transaction's writes become change events now, all at the commit's time (one applyOps).
  if (x.name === 'commitTransaction')
    x.deployment.changeStreams.append(table.takeCommittedEvents(x.command), operationTime);
  return { reply, outcome: 'answered', operationTime };
}

/** A numeric w above the members' count cannot be satisfied (mongod: UnsatisfiableWriteConcern, 100). */
function unsatisfiableWriteConcern(x: Exchange): Document | undefined {
  const wc = x.command.writeConcern as Document | undefined;
  const w: unknown = wc?.w;
  // Numbers arrive as Int32/Double objects (the proxy reads BSON without promoting values).
  if (w === undefined || typeof w === 'string' || !(Number(w) > x.deployment.hosts.length)) return undefined;
  return { code: 100, codeName: 'UnsatisfiableWriteConcern', errmsg: 'Not enough data-bearing nodes' };
}

/** Commands mongod refuses inside a transaction (OperationNotSupportedInTransaction, 263). */
const NOT_IN_TRANSACTION: ReadonlySet<string> = new Set([
  'count',
  'listCollections',
  'listIndexes',
  'listDatabases',
]);

/** A statement of a transaction: the table's rules, the undo image of a write, then the upstream. */
async function executeInTransaction(x: Exchange): Promise<Execution> {
  const table = x.deployment.transactions;
  const refusal = await table.begin(x.command, x.member.index);
  if (refusal) return refused(x, refusal);
  if (NOT_IN_TRANSACTION.has(x.name)) {
    await table.failed(x.command);
    return refused(x, { code: 263, errmsg: `Cannot run '${x.name}' in a multi-document transaction.` });
  }
  await table.beforeWrite(x.command, x.name, x.request.db);
  const result = await forward(x);
  if (!('reply' in result) || statementFailed(result.reply)) await table.failed(x.command);
  // A router names the shard that can recover the transaction's outcome (sharded transactions).
  else if (x.deployment.kind === 'sharded') result.reply.recoveryToken = { recoveryShardId: 'shard0' };
  return result;
}

/** Runs the command at the upstream; a retryable write goes through the retry memory first. */
async function execute(x: Exchange, action: FailCommandAction | undefined): Promise<Execution> {
  if (inTransaction(x.command)) return executeInTransaction(x);
  const session = isRetryableWrite(x.name, x.command) ? RetryMemory.sessionKey(x.command.lsid) : undefined;
  if (session === undefined) return forward(x);
  const raw: unknown = x.command.txnNumber;
  const txnNumber = Long.isLong(raw) ? raw : Long.fromNumber(Number(raw));
  for (;;) {
    const lookup = x.deployment.retries.lookup(session, txnNumber);
    if (lookup.kind === 'too-old') {
      const errmsg = `Retryable write with txnNumber ${txnNumber} is prohibited on session because a newer retryable write with txnNumber ${lookup.latest} has already started on this session.`;
      return { reply: serverError(225, errmsg, x.errorContext), outcome: 'answered' };
    }
    if (lookup.kind === 'retry') {
      const stored = await lookup.reply;
      // The first attempt applied nothing: this one runs the write.
      if (stored === undefined) continue;
      return { reply: { ...stored }, outcome: 'retry-answered' };
    }
    const fired = x.member.failPoints.onPrimaryTransactionalWrite.fire(() => true);
    const tw = fired ? transactionalWriteAction(fired) : undefined;
    if (tw?.failBeforeCommitCode !== undefined) {
      lookup.settle(undefined);
      if (tw.closeConnection) return { closeWith: 'fail-point-close' };
      return {
        reply: serverError(tw.failBeforeCommitCode, 'onPrimaryTransactionalWrite fail point', x.errorContext),
        outcome: 'fail-point-error',
      };
    }
    const result = await forward(x);
    // A copy: the reply sent is stamped (and may get a writeConcernError); the memory keeps it plain.
    lookup.settle('reply' in result && Number(result.reply.ok) === 1 ? { ...result.reply } : undefined);
    if (tw?.closeConnection && !action?.dropReplyAfterExecution)
      return { closeWith: 'dropped-after-execution' };
    return result;
  }
}

async function forward(x: Exchange): Promise<Execution> {
  const { upstream, clock, changeStreams } = x.deployment;
  let reply: Document;
  let observed: Awaited<ReturnType<ChangeStreams['observe']>>;
  try {
    // Change streams: what the write touches is read first (pre-images), its events logged after.
    observed = await changeStreams.observe(x.name, x.request.db, x.command, x.request.sequences, (c) =>
      upstream.run(c),
    );
    reply = await upstream.run(translateRequest(x.name, x.command), x.request.sequences);
  } catch {
    return { closeWith: 'upstream-failed' };
  }
  x.executed = true;
  if (Number(reply.ok) === 1) addSnapshotTime(x.command, reply, clock.now());
  const wrote = Number(reply.ok) === 1 && isWriteCommand(x.name, x.command);
  if (wrote && !inTransaction(x.command))
    x.deployment.transactions.noteWrite(x.command, x.name, x.request.db);
  let operationTime = wrote ? clock.tick() : undefined;
  if (observed && Number(reply.ok) === 1 && inTransaction(x.command)) {
    // A statement of a transaction: its events wait for the commit (transactions.ts).
    const entries = await observed.after(reply).catch(() => []);
    x.deployment.transactions.deferEvents(x.command, entries);
  } else if (observed && Number(reply.ok) === 1)
    operationTime = await changeStreams
      .commit(observed, reply, operationTime ?? clock.tick(), () => clock.tick())
      .catch(() => operationTime);
  return { reply, outcome: 'forwarded', operationTime };
}

/**
 * A snapshot read without atClusterTime: MongoDB answers with the time it read at (in the cursor
 * of find/aggregate, at the top of distinct). The proxy names its clock's time; FerretDB read the
 * current data, so this names the time but does not isolate (translations: snapshot-read-concern).
 */
function addSnapshotTime(command: Document, reply: Document, now: Timestamp): void {
  const rc = command.readConcern as Document | undefined;
  if (rc?.level !== 'snapshot' || rc.atClusterTime !== undefined) return;
  const cursor = reply.cursor as Document | undefined;
  if (cursor && typeof cursor === 'object') cursor.atClusterTime ??= now;
  else reply.atClusterTime ??= now;
}
