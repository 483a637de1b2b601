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
import { proxyAnswer, translateRequest } from './translations.js';
import type { CommandOutcome, CommandRecord } from './types.js';
import type { UpstreamPool } from './upstream.js';

export interface Deployment extends HelloSource {
  readonly clock: LogicalClock;
  /** Change streams played from the writes the proxy forwards (change-streams/). */
  readonly changeStreams: ChangeStreams;
  readonly retries: RetryMemory;
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
  const fired = member.failPoints.failCommand.fire((data) =>
    failCommandMatches(data, { commandName: name, appName: conn.appName, db: request.db, command }),
  );
  const action = fired ? failCommandAction(fired) : undefined;
  if (action && action.blockMS > 0) {
    x.record('fail-point-block');
    await sleep(action.blockMS, undefined, { signal: conn.signal }).catch(() => undefined);
    if (conn.closed) return;
  }
  if (action?.closeConnection) {
    x.closeWithout('fail-point-close');
    return;
  }
  if (action?.errorCode !== undefined) {
    x.error(
      action.errorCode,
      "Failing command via 'failCommand' failpoint",
      'fail-point-error',
      action.errorLabels,
    );
    return;
  }

  if (isHello) {
    // Recorded first: a streaming hello answers until its connection closes.
    x.record('answered');
    await answerHello(conn, request, member.topologyVersion, () =>
      buildHello(deployment, member.index, member.topologyVersion, conn, command),
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

  const result = await execute(x, action);
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

/** Runs the command at the upstream; a retryable write goes through the retry memory first. */
async function execute(x: Exchange, action: FailCommandAction | undefined): Promise<Execution> {
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
  let operationTime = wrote ? clock.tick() : undefined;
  if (observed && Number(reply.ok) === 1)
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
