// THE list of what the proxy changes because its upstream is FerretDB 1.24 (a standalone without
// sessions, transactions or fail points) and not a MongoDB replica-set member. Each entry says
// what FerretDB did when tried (raw OP_MSG against `.cache/ferretdb`), and what the proxy does
// instead. Entries with `strip` or `answer` are applied from this table by `translateRequest`;
// the others name the module that implements them.
import { type Document, UUID } from 'bson';

export interface FerretDBTranslation {
  readonly id: string;
  /** What FerretDB does (seen), i.e. why the proxy translates. */
  readonly ferretdb: string;
  /** What the proxy does instead. */
  readonly proxy: string;
  /** Fields removed before forwarding: for these commands (all when absent), when `when` holds. */
  readonly strip?: {
    readonly fields: readonly string[];
    readonly commands?: readonly string[];
    readonly when?: (command: Document) => boolean;
  };
  /**
   * Commands the proxy answers itself (never forwarded): these commands (all when absent), when
   * `when` holds, and the reply body.
   */
  readonly answer?: {
    readonly commands?: readonly string[];
    readonly when?: (command: Document, commandName: string) => boolean;
    readonly reply: (command: Document, commandName: string) => Document;
  };
}

/** Commands a MongoDB server runs at a snapshot read concern (outside transactions). */
const SNAPSHOT_READS = new Set(['find', 'aggregate', 'distinct']);
/** Write commands that take a read concern of afterClusterTime alone (read-write-concern spec). */
const CAUSAL_WRITES = [
  'insert',
  'update',
  'delete',
  'findAndModify',
  'bulkWrite',
  'create',
  'createIndexes',
  'drop',
  'dropDatabase',
  'dropIndexes',
];
const readConcernOf = (command: Document): Document | undefined =>
  typeof command.readConcern === 'object' && command.readConcern !== null ? command.readConcern : undefined;

const inTransaction = (command: Document) => command.autocommit === false;

export const FERRETDB_TRANSLATIONS: readonly FerretDBTranslation[] = [
  {
    id: 'hello',
    ferretdb: 'hello/isMaster describe a standalone (no setName, hosts, topologyVersion, $clusterTime).',
    proxy:
      'Answers hello, isMaster and ismaster itself (OP_MSG and legacy OP_QUERY) as a 7.0 replica-set member or mongos, awaitable and streaming included (hello.ts).',
  },
  {
    id: 'cluster-time',
    ferretdb: 'Replies carry no $clusterTime or operationTime.',
    proxy:
      'Adds $clusterTime (signature keyId 0, zero hash) and operationTime to every reply; each successful write advances the logical clock (cluster-time.ts). Client gossip advances it too.',
  },
  {
    id: 'fail-points',
    ferretdb: `configureFailPoint: code 59 CommandNotFound "no such command: 'configureFailPoint'".`,
    proxy: 'Implements failCommand and onPrimaryTransactionalWrite itself (fail-point.ts, dispatch.ts).',
  },
  {
    id: 'replSetStepDown',
    ferretdb: 'replSetStepDown: code 59 CommandNotFound.',
    proxy: "Steps the primary down (the next member is elected), as the handle's stepDown() (dispatch.ts).",
  },
  {
    id: 'sessions',
    ferretdb:
      'endSessions, killAllSessions, killAllSessionsByPattern, killSessions, refreshSessions, startSession: code 59 CommandNotFound "no such command: \'endSessions\'".',
    proxy:
      'Answers them itself: ok 1 (startSession: a new id, timeoutMinutes 30). FerretDB keeps no session state to end.',
    answer: {
      commands: [
        'endSessions',
        'killAllSessions',
        'killAllSessionsByPattern',
        'killSessions',
        'refreshSessions',
        'startSession',
      ],
      reply: (command) =>
        'startSession' in command ? { id: { id: new UUID() }, timeoutMinutes: 30, ok: 1 } : { ok: 1 },
    },
  },
  {
    id: 'transaction-fields',
    ferretdb:
      'insert {autocommit: false, startTransaction: true}: code 9 FailedToParse \'insert: unknown field "autocommit"\'.',
    proxy:
      'Strips autocommit and startTransaction: each statement of a "transaction" runs and is applied at once (no isolation, no rollback).',
    strip: { fields: ['autocommit', 'startTransaction'] },
  },
  {
    id: 'write-read-concern',
    ferretdb:
      'insert/update/delete/findAndModify with readConcern (the first statement of a transaction carries it): code 9 \'insert: unknown field "readConcern"\'.',
    proxy:
      'Strips readConcern from those writes inside a transaction (outside one it is forwarded, and refused as before).',
    strip: {
      fields: ['readConcern'],
      commands: ['insert', 'update', 'delete', 'findAndModify'],
      when: inTransaction,
    },
  },
  {
    id: 'causal-write-read-concern',
    ferretdb:
      'A write with readConcern {afterClusterTime} (causally consistent sessions send it on writes): code 9 \'insert: unknown field "readConcern"\'.',
    proxy:
      'Strips a readConcern holding only afterClusterTime from the writes that take one: every command runs on the one FerretDB in arrival order, so a later operation always sees what the session saw.',
    strip: {
      fields: ['readConcern'],
      commands: CAUSAL_WRITES,
      when: (command) => {
        const rc = readConcernOf(command);
        return rc !== undefined && Object.keys(rc).every((k) => k === 'afterClusterTime');
      },
    },
  },
  {
    id: 'snapshot-read-concern',
    ferretdb:
      'readConcern {level: "snapshot"} is ignored on reads and listings (listCollections answered as usual), refused with code 9 on writes.',
    proxy:
      'Outside transactions, refuses every command but find, aggregate and distinct that carries level "snapshot" with code 72 InvalidOptions, as MongoDB does. Reads at a snapshot are forwarded but not isolated: FerretDB reads the current data (listed as a limitation of the snapshot-session cases).',
    answer: {
      when: (command, name) =>
        !inTransaction(command) && readConcernOf(command)?.level === 'snapshot' && !SNAPSHOT_READS.has(name),
      reply: (_command, name) => ({
        ok: 0,
        code: 72,
        codeName: 'InvalidOptions',
        errmsg: `readConcern level snapshot is not supported for ${name}`,
      }),
    },
  },
  {
    id: 'commit-abort',
    ferretdb: 'commitTransaction / abortTransaction: code 59 CommandNotFound.',
    proxy:
      'commitTransaction: ok 1 (the statements were applied when sent). abortTransaction: code 115 CommandNotSupported, since nothing can be rolled back (drivers ignore abort errors; a test expecting a rollback then fails on its outcome, as it should).',
    answer: {
      commands: ['commitTransaction', 'abortTransaction'],
      reply: (command) =>
        'commitTransaction' in command
          ? { ok: 1 }
          : {
              ok: 0,
              code: 115,
              codeName: 'CommandNotSupported',
              errmsg:
                'rs-proxy: FerretDB has no transactions; the statements were applied when sent and cannot be aborted',
            },
    },
  },
  {
    id: 'search-indexes',
    ferretdb:
      'No Atlas Search: createSearchIndexes, updateSearchIndex and dropSearchIndex are unknown commands, and $listSearchIndexes an unknown stage.',
    proxy:
      'Answers them as a MongoDB 7.0 without Atlas Search does: code 31082 SearchNotEnabled, "Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage requires additional configuration..."',
    answer: {
      commands: ['createSearchIndexes', 'updateSearchIndex', 'dropSearchIndex', 'aggregate'],
      when: (command, name) =>
        name !== 'aggregate' ||
        (Array.isArray(command.pipeline) &&
          command.pipeline.some(
            (s: unknown) => typeof s === 'object' && s !== null && '$listSearchIndexes' in s,
          )),
      reply: () => ({
        ok: 0,
        code: 31082,
        codeName: 'SearchNotEnabled',
        errmsg:
          'Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage requires additional configuration. Please connect to Atlas or an AtlasCLI local deployment to enable. For more information on how to connect, see https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs',
      }),
    },
  },
  {
    id: 'more-to-come',
    ferretdb:
      'Replies to an OP_MSG with moreToCome (insert {writeConcern: {w: 0}} got {n: 1, ok: 1}); a server sends nothing.',
    proxy:
      'Forwards such requests without moreToCome, waits for the reply and drops it: the client gets nothing, and the pooled upstream connection stays in step (dispatch.ts).',
  },
  {
    id: 'exhaust-getMore',
    ferretdb: 'Not relied on: the proxy keeps one reply per request on its pooled upstream connections.',
    proxy:
      'Forwards getMore without exhaustAllowed; the reply goes back without moreToCome (a server may always do that).',
  },
  {
    id: 'cursor-lifetime',
    ferretdb:
      'A cursor dies with the connection that opened it (getMore from another connection works until then; after: code 43 "cursor id N not found").',
    proxy:
      'Upstream connections are pooled and live as long as the proxy, apart from client connections: a client-side fault (closeConnection, reset, ...) never kills a cursor (upstream.ts).',
  },
];

/** The reply body when the proxy answers this command itself in place of FerretDB. */
export function proxyAnswer(commandName: string, command: Document): Document | undefined {
  for (const t of FERRETDB_TRANSLATIONS) {
    const a = t.answer;
    if (!a || (a.commands && !a.commands.includes(commandName)) || (a.when && !a.when(command, commandName)))
      continue;
    return a.reply(command, commandName);
  }
  return undefined;
}

/** The command as forwarded: the table's `strip` entries applied (a copy; the original stays). */
export function translateRequest(commandName: string, command: Document): Document {
  let out = command;
  for (const t of FERRETDB_TRANSLATIONS) {
    const s = t.strip;
    if (!s || (s.commands && !s.commands.includes(commandName)) || (s.when && !s.when(command))) continue;
    for (const field of s.fields) {
      if (!(field in out)) continue;
      if (out === command) out = { ...command };
      delete out[field];
    }
  }
  return out;
}
