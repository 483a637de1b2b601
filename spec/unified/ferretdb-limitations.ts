// The one list of unified tests skipped against FerretDB, each with the FerretDB error that
// forces it (seen by running the test). Applied only when buildInfo reports `ferretdbVersion`.
// Also the short list of runner gaps (features the driver has not built), applied everywhere.
import type { Document } from 'bson';

export interface Limitation {
  /** Test file name (e.g. "aggregate-merge.json") or a pattern over `<folder>/<file>`. */
  readonly file?: string | RegExp;
  /** Test description, or a pattern over it; all tests of the file when absent. */
  readonly test?: string | RegExp;
  /** Matches tests that use a feature: an entity type or an operation name. */
  readonly uses?: string;
  /** The tests, as `<file name>: <test description>`. */
  readonly cases?: readonly string[];
  /** The replica-set proxy in front of FerretDB plays this feature, so behind it the test runs. */
  readonly liftedByProxy?: boolean;
  /** The FerretDB behaviour, with the error text. */
  readonly reason: string;
}

export const FERRETDB_LIMITATIONS: readonly Limitation[] = [
  {
    reason:
      "replica-set proxy: failCommand on ['hello', 'ismaster'] does not fail the handshake's legacy hello (the proxy folds the request's name to 'isMaster' but not the failCommands list, spec/support/rs-proxy/fail-point.ts), so each new monitoring connection's handshake succeeds and the mongos never stays Unknown: the insert is not refused",
    cases: ['sharded.json: Failure due to unreachable server'],
  },
  {
    reason:
      "replica-set proxy: its hello reply is 1044 characters of relaxed extended JSON (lastWrite with majorityOpTime/majorityWriteDate, $clusterTime with a signature, 5-digit ports), over the 1000 the log message keeps by default, so the reply is truncated (as the logging spec says) and the test's $$matchAsDocument cannot parse it",
    cases: ['logging-replicaset.json: Successful heartbeat'],
  },
  {
    file: 'interruptInUse-pool-clear.json',
    reason:
      'FerretDB 1.24: no $where (the in-use connection these tests interrupt runs find {$where: "sleep(2000) || true"}; FerretDB answers at once: "unknown top level operator: $where")',
  },
  {
    reason:
      'FerretDB 1.24: no database-level aggregate (aggregate: 1 is refused: "Invalid command format: the \'aggregate\' field must specify a collection name or 1")',
    cases: [
      'global-timeoutMS.json: timeoutMS can be set to 0 on a MongoClient - aggregate on database',
      'override-database-timeoutMS.json: timeoutMS can be configured on a MongoDatabase - aggregate on database',
      'override-database-timeoutMS.json: timeoutMS can be set to 0 on a MongoDatabase - aggregate on database',
      'override-operation-timeoutMS.json: timeoutMS can be configured for an operation - aggregate on database',
      'override-operation-timeoutMS.json: timeoutMS can be set to 0 for an operation - aggregate on database',
      'retryability-legacy-timeouts.json: operation succeeds after one socket timeout - aggregate on database',
      'retryability-timeoutMS.json: operation is retried multiple times for non-zero timeoutMS - aggregate on database',
      'retryability-timeoutMS.json: operation is retried multiple times if timeoutMS is zero - aggregate on database',
      'crud-api-version-1.json: aggregate on database appends declared API version',
      'deprecated-options.json: socketTimeoutMS is ignored if timeoutMS is set - aggregate on database',
      'deprecated-options.json: wTimeoutMS is ignored if timeoutMS is set - aggregate on database',
      'deprecated-options.json: maxTimeMS is ignored if timeoutMS is set - aggregate on database',
    ],
  },
  {
    reason:
      'FerretDB 1.24: distinct rejects maxTimeMS ("distinct: unknown field \\"maxTimeMS\\""), which CSOT sends',
    cases: [
      'override-collection-timeoutMS.json: timeoutMS can be configured on a MongoCollection - distinct on collection',
      'override-database-timeoutMS.json: timeoutMS can be configured on a MongoDatabase - distinct on collection',
      'override-operation-timeoutMS.json: timeoutMS can be configured for an operation - distinct on collection',
      'retryability-timeoutMS.json: operation is retried multiple times for non-zero timeoutMS - distinct on collection',
      'deprecated-options.json: socketTimeoutMS is ignored if timeoutMS is set - distinct on collection',
      'deprecated-options.json: wTimeoutMS is ignored if timeoutMS is set - distinct on collection',
      'deprecated-options.json: maxTimeMS is ignored if timeoutMS is set - distinct on collection',
    ],
  },
  {
    reason:
      'FerretDB 1.24: tailable awaitData cursors on capped collections: a getMore errors with code 1 (msg_getmore.go) or the drop of the capped collection fails (msg_drop.go), where MongoDB waits and times out',
    cases: [
      'tailable-awaitData.json: apply remaining timeoutMS if less than maxAwaitTimeMS',
      'tailable-awaitData.json: apply maxAwaitTimeMS if less than remaining timeout',
    ],
  },
  {
    reason:
      'FerretDB 1.24: a tailable cursor is kept open only while batches are full, so the blocked getMore these tests time out never comes',
    cases: [
      'runCursorCommand.json: Tailable cursor iteration timeoutMS is refreshed for getMore - failure',
      'runCursorCommand.json: Tailable cursor awaitData iteration timeoutMS is refreshed for getMore - failure',
    ],
  },
  {
    reason:
      'FerretDB 1.24: aggregate stages $out and $merge are not implemented (`aggregate` stage "$out" is not implemented yet)',
    cases: [
      'aggregate-out-merge.json: aggregate with $out does not set txnNumber',
      'aggregate-out-merge.json: aggregate with $merge does not set txnNumber',
    ],
  },
  {
    reason:
      "FerretDB 1.24 runs a read with readConcern { level: 'snapshot' } on a standalone (MongoDB answers an error); the driver sends it as the spec says",
    cases: [
      'snapshot-sessions-not-supported-server-error.json: Server returns an error on find with snapshot',
      'snapshot-sessions-not-supported-server-error.json: Server returns an error on aggregate with snapshot',
      'snapshot-sessions-not-supported-server-error.json: Server returns an error on distinct with snapshot',
    ],
  },
  {
    // The proxy names a snapshot time (atClusterTime) but cannot read at it: one FerretDB holds the
    // current data only (spec/support/rs-proxy/translations.ts, snapshot-read-concern).
    file: 'snapshot-sessions.json',
    test: /^(Find|Distinct|Aggregate|countDocuments|Mixed) operation with snapshot|^Write commands with snapshot session/,
    reason:
      'FerretDB 1.24 has no snapshot reads (readConcern snapshot reads the current data; behind the replica-set proxy too): the expected data of a read at an earlier snapshot cannot be served',
  },
  {
    uses: 'failPoint',
    liftedByProxy: true,
    reason:
      'FerretDB 1.24: no fail points (configureFailPoint: code 59 "no such command: \'configureFailPoint\'")',
  },
  {
    uses: 'targetedFailPoint',
    liftedByProxy: true,
    reason:
      'FerretDB 1.24: no fail points (configureFailPoint: code 59 "no such command: \'configureFailPoint\'")',
  },
  {
    reason:
      'FerretDB 1.24: Decimal128 unsupported; inserting one panics and drops the connection ("invalid BSON type wirebson.Decimal128")',
    cases: ['operator-type-number_alias.json: type number alias matches decimal128'],
  },
  {
    reason:
      'FerretDB 1.24: $collStats storageStats on a capped collection panics and drops the connection ("types.Document.Get: key not found: \\"_id\\"")',
    cases: ['collectionData-createOptions.json: collection is created with the correct options'],
  },
  {
    reason:
      'FerretDB 1.24: find with filter {$unsupportedQueryOperator: 1} succeeds instead of failing (no BadValue)',
    cases: [
      'expectedError-errorResponse.json: Unsupported query operator',
      'operation-failure.json: Unsupported query operator',
    ],
  },
  {
    reason:
      'FerretDB 1.24: database-level aggregate (aggregate: 1) unsupported (code 9 FailedToParse "Invalid command format: the \'aggregate\' field must specify a collection name or 1")',
    cases: [
      'db-aggregate-rawdata.json: Aggregate with rawData option on less than 8.2.0 - ignore argument',
      'db-aggregate.json: Aggregate with $listLocalSessions',
      'db-aggregate.json: Aggregate with $listLocalSessions and allowDiskUse',
      'poc-crud.json: Aggregate with $listLocalSessions',
      'aggregate-merge-errorResponse.json: aggregate $merge DuplicateKey error is accessible',
    ],
  },
  {
    reason:
      "FerretDB 1.24: a non-string comment is rejected (find {comment: {hello: 'find'}}: \"BSON field 'find.comment' is the wrong type 'object', expected type 'string'\")",
    cases: ['runCursorCommand.json: supports configuring getMore comment'],
  },
  {
    reason:
      'FerretDB 1.24: tailable cursors are not kept open (find {tailable: true} on a capped collection replies cursor id 0 with every document), so no getMore/killCursors follow',
    cases: ['runCursorCommand.json: does not close the cursor when receiving an empty batch'],
  },
  {
    reason:
      'FerretDB 1.24: update replies number upserted[].index wrongly (update [{q:{_id:1}},{q:{_id:4},upsert:true}] replies upserted: [{index: 0, _id: 4}])',
    cases: [
      'bulkWrite.json: BulkWrite with updateOne operations',
      'bulkWrite.json: BulkWrite with updateMany operations',
      'bulkWrite.json: BulkWrite with replaceOne operations',
      'bulk.json: bulk',
    ],
  },
  {
    reason:
      'FerretDB 1.24 accepts find {filter: {$or: true}} (MongoDB: BadValue "$or must be an array"), so the command does not fail',
    cases: ['event-monitoring.json: command failed events include serviceId'],
  },
  {
    reason:
      'FerretDB 1.24 answers listCollections / listIndexes with every entry in the first batch whatever cursor.batchSize (seen: no getMore follows), so no cursor stays open to pin',
    cases: [
      'cursors.json: listCollections pins the cursor to a connection',
      'cursors.json: listIndexes pins the cursor to a connection',
    ],
  },
  {
    reason:
      'rs-proxy: the load-balanced deployment is one router, so every connection has the same serviceId (the case needs two services)',
    cases: [
      'sdam-error-handling.json: only connections for a specific serviceId are closed when pools are cleared',
    ],
  },
  {
    reason:
      'rs-proxy: transactions are played at the command level without isolation: reads outside a transaction see its uncommitted writes (rs-proxy README, "Transactions")',
    cases: ['isolation.json: one transaction', 'isolation.json: two transactions'],
  },
  {
    reason:
      'FerretDB 1.24: create accepts clusteredIndex but ignores it (listCollections has no options.clusteredIndex; listIndexes returns only "_id_")',
    cases: [
      'clustered-indexes.json: listCollections includes clusteredIndex',
      'clustered-indexes.json: listIndexes returns the index',
    ],
  },
  {
    reason:
      'FerretDB 1.24: DuplicateKey errors carry no keyPattern/keyValue (reply {ok: 0, errmsg: "E11000 duplicate key error collection: crud-tests.test", code: 11000})',
    cases: ['findOneAndUpdate-errorResponse.json: findOneAndUpdate DuplicateKey error is accessible'],
  },
  {
    reason: 'FerretDB 1.24: aggregate: support for field "collation" ... is not implemented yet',
    cases: [
      'aggregate-collation.json: Aggregate with collation',
      'count-collation.json: Count documents with collation',
    ],
  },
  {
    reason:
      'FerretDB 1.24: count: support for field "collation" with value &{map[locale:1 strength:1] ...} is not implemented yet',
    cases: ['count-collation.json: Deprecated count with collation'],
  },
  {
    reason: 'FerretDB 1.24: aggregate: support for field "let" ... is not implemented yet',
    cases: [
      'aggregate-let.json: Aggregate with let option',
      'aggregate-let.json: Aggregate to collection with let option',
    ],
  },
  {
    reason: 'FerretDB 1.24: `aggregate` stage "$merge" is not implemented yet',
    cases: [
      'aggregate-merge.json: Aggregate with $merge',
      'aggregate-merge.json: Aggregate with $merge and batch size of 0',
      'aggregate-merge.json: Aggregate with $merge and majority readConcern',
      'aggregate-merge.json: Aggregate with $merge and local readConcern',
      'aggregate-merge.json: Aggregate with $merge and available readConcern',
    ],
  },
  {
    reason: 'FerretDB 1.24: `aggregate` stage "$out" is not implemented yet',
    cases: [
      'aggregate-out.json: Aggregate with $out',
      'aggregate-out.json: Aggregate with $out and batch size of 0',
      'bypassDocumentValidation.json: Aggregate with $out passes bypassDocumentValidation: false',
    ],
  },
  {
    reason: 'FerretDB 1.24: q: support for field "arrayFilters" ... is not implemented yet',
    cases: [
      'bulkWrite-arrayFilters.json: BulkWrite updateOne with arrayFilters',
      'bulkWrite-arrayFilters.json: BulkWrite updateMany with arrayFilters',
      'bulkWrite-arrayFilters.json: BulkWrite with arrayFilters',
      'updateMany-arrayFilters.json: UpdateMany when no documents match arrayFilters',
      'updateMany-arrayFilters.json: UpdateMany when one document matches arrayFilters',
      'updateMany-arrayFilters.json: UpdateMany when multiple documents match arrayFilters',
      'updateOne-arrayFilters.json: UpdateOne when no document matches arrayFilters',
      'updateOne-arrayFilters.json: UpdateOne when one document matches arrayFilters',
      'updateOne-arrayFilters.json: UpdateOne when multiple documents match arrayFilters',
      'updateOne-arrayFilters.json: UpdateOne when no documents match multiple arrayFilters',
      'updateOne-arrayFilters.json: UpdateOne when one document matches multiple arrayFilters',
    ],
  },
  {
    reason: 'FerretDB 1.24: q: support for field "collation" ... is not implemented yet',
    cases: [
      'bulkWrite-collation.json: BulkWrite with delete operations and collation',
      'bulkWrite-collation.json: BulkWrite with update operations and collation',
      'deleteMany-collation.json: DeleteMany when many documents match with collation',
      'deleteOne-collation.json: DeleteOne when many documents matches with collation',
      'replaceOne-collation.json: ReplaceOne when one document matches with collation',
      'updateMany-collation.json: UpdateMany when many documents match with collation',
      'updateOne-collation.json: UpdateOne when one document matches with collation',
    ],
  },
  {
    reason:
      "FerretDB 1.24: BSON field '<command>.comment' is the wrong type 'object', expected type 'string'",
    cases: [
      'bulkWrite-comment.json: BulkWrite with document comment',
      'deleteMany-comment.json: deleteMany with document comment',
      'deleteOne-comment.json: deleteOne with document comment',
      'distinct-comment.json: distinct with document comment',
      'find-comment.json: find with document comment',
      'find-comment.json: find with comment sets comment on getMore',
      'findOneAndDelete-comment.json: findOneAndDelete with document comment',
      'findOneAndReplace-comment.json: findOneAndReplace with document comment',
      'findOneAndUpdate-comment.json: findOneAndUpdate with document comment',
      'replaceOne-comment.json: ReplaceOne with document comment',
      'updateMany-comment.json: UpdateMany with document comment',
      'updateOne-comment.json: UpdateOne with document comment',
    ],
  },
  {
    reason: 'FerretDB 1.24: delete: support for field "let" ... is not implemented yet',
    cases: [
      'bulkWrite-deleteMany-let.json: BulkWrite deleteMany with let option',
      'bulkWrite-deleteOne-let.json: BulkWrite deleteOne with let option',
      'deleteMany-let.json: deleteMany with let option',
      'deleteOne-let.json: deleteOne with let option',
    ],
  },
  {
    reason:
      "FerretDB 1.24: invalid key: \"...\" (key must not contain '.' sign / must not start with '$' sign) (dotted and dollar-prefixed field names rejected)",
    cases: [
      'bulkWrite-insertOne-dots_and_dollars.json: Inserting document with top-level dollar-prefixed key on 5.0+ server',
      'bulkWrite-insertOne-dots_and_dollars.json: Inserting document with top-level dotted key',
      'bulkWrite-insertOne-dots_and_dollars.json: Inserting document with dollar-prefixed key in embedded doc',
      'bulkWrite-insertOne-dots_and_dollars.json: Inserting document with dotted key in embedded doc',
      'bulkWrite-replaceOne-dots_and_dollars.json: Replacing document with top-level dotted key on 3.6+ server',
      'bulkWrite-replaceOne-dots_and_dollars.json: Replacing document with dollar-prefixed key in embedded doc on 5.0+ server',
      'bulkWrite-replaceOne-dots_and_dollars.json: Replacing document with dotted key in embedded doc on 3.6+ server',
      'findOneAndReplace-dots_and_dollars.json: Replacing document with top-level dotted key on 3.6+ server',
      'findOneAndReplace-dots_and_dollars.json: Replacing document with dollar-prefixed key in embedded doc on 5.0+ server',
      'findOneAndReplace-dots_and_dollars.json: Replacing document with dotted key in embedded doc on 3.6+ server',
      'insertMany-dots_and_dollars.json: Inserting document with top-level dollar-prefixed key on 5.0+ server',
      'insertMany-dots_and_dollars.json: Inserting document with top-level dotted key',
      'insertMany-dots_and_dollars.json: Inserting document with dollar-prefixed key in embedded doc',
      'insertMany-dots_and_dollars.json: Inserting document with dotted key in embedded doc',
      'insertOne-dots_and_dollars.json: Inserting document with top-level dollar-prefixed key on 5.0+ server',
      'insertOne-dots_and_dollars.json: Inserting document with top-level dotted key',
      'insertOne-dots_and_dollars.json: Inserting document with dollar-prefixed key in embedded doc',
      'insertOne-dots_and_dollars.json: Inserting document with dotted key in embedded doc',
      'insertOne-dots_and_dollars.json: Inserting document with dotted key in _id on 3.6+ server',
      'insertOne-dots_and_dollars.json: Inserting document with DBRef-like keys',
      'replaceOne-dots_and_dollars.json: Replacing document with top-level dotted key on 3.6+ server',
      'replaceOne-dots_and_dollars.json: Replacing document with dollar-prefixed key in embedded doc on 5.0+ server',
      'replaceOne-dots_and_dollars.json: Replacing document with dotted key in embedded doc on 3.6+ server',
    ],
  },
  {
    reason: 'FerretDB 1.24: update: support for field "let" ... is not implemented yet',
    cases: [
      'bulkWrite-replaceOne-let.json: BulkWrite replaceOne with let option',
      'bulkWrite-updateMany-let.json: BulkWrite updateMany with let option',
      'bulkWrite-updateOne-let.json: BulkWrite updateOne with let option',
      'replaceOne-let.json: ReplaceOne with let option',
      'updateMany-let.json: updateMany with let option',
      'updateOne-let.json: UpdateOne with let option',
    ],
  },
  {
    reason:
      "FerretDB 1.24: BSON field 'update.updates.u' is the wrong type 'array', expected type 'object' (update pipelines)",
    cases: [
      'bulkWrite-updateMany-dots_and_dollars.json: Updating document to set top-level dollar-prefixed key on 5.0+ server',
      'bulkWrite-updateMany-dots_and_dollars.json: Updating document to set top-level dotted key on 5.0+ server',
      'bulkWrite-updateMany-dots_and_dollars.json: Updating document to set dollar-prefixed key in embedded doc on 5.0+ server',
      'bulkWrite-updateMany-dots_and_dollars.json: Updating document to set dotted key in embedded doc on 5.0+ server',
      'bulkWrite-updateMany-pipeline.json: UpdateMany in bulk write using pipelines',
      'bulkWrite-updateMany-rawdata.json: BulkWrite updateMany with rawData option on less than 8.2.0 - ignore argument',
      'bulkWrite-updateOne-dots_and_dollars.json: Updating document to set top-level dollar-prefixed key on 5.0+ server',
      'bulkWrite-updateOne-dots_and_dollars.json: Updating document to set top-level dotted key on 5.0+ server',
      'bulkWrite-updateOne-dots_and_dollars.json: Updating document to set dollar-prefixed key in embedded doc on 5.0+ server',
      'bulkWrite-updateOne-dots_and_dollars.json: Updating document to set dotted key in embedded doc on 5.0+ server',
      'bulkWrite-updateOne-pipeline.json: UpdateOne in bulk write using pipelines',
      'bulkWrite-updateOne-rawdata.json: BulkWrite updateOne with rawData option on less than 8.2.0 - ignore argument',
      'updateMany-dots_and_dollars.json: Updating document to set top-level dollar-prefixed key on 5.0+ server',
      'updateMany-dots_and_dollars.json: Updating document to set top-level dotted key on 5.0+ server',
      'updateMany-dots_and_dollars.json: Updating document to set dollar-prefixed key in embedded doc on 5.0+ server',
      'updateMany-dots_and_dollars.json: Updating document to set dotted key in embedded doc on 5.0+ server',
      'updateMany-pipeline.json: UpdateMany using pipelines',
      'updateOne-dots_and_dollars.json: Updating document to set top-level dollar-prefixed key on 5.0+ server',
      'updateOne-dots_and_dollars.json: Updating document to set top-level dotted key on 5.0+ server',
      'updateOne-dots_and_dollars.json: Updating document to set dollar-prefixed key in embedded doc on 5.0+ server',
      'updateOne-dots_and_dollars.json: Updating document to set dotted key in embedded doc on 5.0+ server',
      'updateOne-pipeline.json: UpdateOne using pipelines',
    ],
  },
  {
    reason: 'FerretDB 1.24: distinct: support for field "collation" ... is not implemented yet',
    cases: ['distinct-collation.json: Distinct with a collation'],
  },
  {
    reason: 'FerretDB 1.24: create: support for field "viewOn" ... is not implemented yet',
    cases: ['estimatedDocumentCount.json: estimatedDocumentCount works correctly on views'],
  },
  {
    reason: 'FerretDB 1.24: find: support for field "collation" ... is not implemented yet',
    cases: ['find-collation.json: Find with a collation'],
  },
  {
    reason: 'FerretDB 1.24: find: support for field "let" ... is not implemented yet',
    cases: ['find-let.json: Find with let option'],
  },
  {
    reason: 'FerretDB 1.24: findAndModify: support for field "fields" ... is not implemented yet',
    cases: [
      'findOneAndDelete-collation.json: FindOneAndDelete when one document matches with collation',
      'findOneAndDelete.json: FindOneAndDelete when many documents match',
      'findOneAndDelete.json: FindOneAndDelete when one document matches',
      'findOneAndDelete.json: FindOneAndDelete when no documents match',
      'findOneAndReplace-collation.json: FindOneAndReplace when one document matches with collation returning the document after modification',
      'findOneAndReplace-upsert.json: FindOneAndReplace when no documents match without id specified with upsert returning the document before modification',
      'findOneAndReplace-upsert.json: FindOneAndReplace when no documents match without id specified with upsert returning the document after modification',
      'findOneAndReplace-upsert.json: FindOneAndReplace when no documents match with id specified with upsert returning the document before modification',
      'findOneAndReplace-upsert.json: FindOneAndReplace when no documents match with id specified with upsert returning the document after modification',
      'findOneAndReplace.json: FindOneAndReplace when many documents match returning the document before modification',
      'findOneAndReplace.json: FindOneAndReplace when many documents match returning the document after modification',
      'findOneAndReplace.json: FindOneAndReplace when one document matches returning the document before modification',
      'findOneAndReplace.json: FindOneAndReplace when one document matches returning the document after modification',
      'findOneAndReplace.json: FindOneAndReplace when no documents match returning the document before modification',
      'findOneAndReplace.json: FindOneAndReplace when no documents match returning the document after modification',
      'findOneAndUpdate-collation.json: FindOneAndUpdate when many documents match with collation returning the document before modification',
      'findOneAndUpdate.json: FindOneAndUpdate when many documents match returning the document before modification',
      'findOneAndUpdate.json: FindOneAndUpdate when many documents match returning the document after modification',
      'findOneAndUpdate.json: FindOneAndUpdate when one document matches returning the document before modification',
      'findOneAndUpdate.json: FindOneAndUpdate when one document matches returning the document after modification',
      'findOneAndUpdate.json: FindOneAndUpdate when no documents match returning the document before modification',
      'findOneAndUpdate.json: FindOneAndUpdate when no documents match with upsert returning the document before modification',
      'findOneAndUpdate.json: FindOneAndUpdate when no documents match returning the document after modification',
      'findOneAndUpdate.json: FindOneAndUpdate when no documents match with upsert returning the document after modification',
    ],
  },
  {
    reason: 'FerretDB 1.24: findAndModify: support for field "let" ... is not implemented yet',
    cases: [
      'findOneAndDelete-let.json: findOneAndDelete with let option',
      'findOneAndReplace-let.json: findOneAndReplace with let option',
      'findOneAndUpdate-let.json: findOneAndUpdate with let option',
    ],
  },
  {
    reason: 'FerretDB 1.24: findAndModify: support for field "arrayFilters" ... is not implemented yet',
    cases: [
      'findOneAndUpdate-arrayFilters.json: FindOneAndUpdate when no document matches arrayFilters',
      'findOneAndUpdate-arrayFilters.json: FindOneAndUpdate when one document matches arrayFilters',
      'findOneAndUpdate-arrayFilters.json: FindOneAndUpdate when multiple documents match arrayFilters',
    ],
  },
  {
    reason:
      'FerretDB 1.24: Aggregation pipelines are not supported yet (findAndModify with an update pipeline)',
    cases: [
      'findOneAndUpdate-comment.json: findOneAndUpdate with string comment',
      'findOneAndUpdate-dots_and_dollars.json: Updating document to set top-level dollar-prefixed key on 5.0+ server',
      'findOneAndUpdate-dots_and_dollars.json: Updating document to set top-level dotted key on 5.0+ server',
      'findOneAndUpdate-dots_and_dollars.json: Updating document to set dollar-prefixed key in embedded doc on 5.0+ server',
      'findOneAndUpdate-dots_and_dollars.json: Updating document to set dotted key in embedded doc on 5.0+ server',
      'findOneAndUpdate-pipeline.json: FindOneAndUpdate using pipelines',
      'findOneAndUpdate-rawdata.json: findOneAndUpdate with rawData option on less than 8.2.0 - ignore argument',
    ],
  },
  {
    reason: 'FerretDB 1.24: `collMod` command is not implemented yet',
    cases: [
      'findOneAndUpdate-errorResponse.json: findOneAndUpdate document validation errInfo is accessible',
      'modifyCollection-errorResponse.json: modifyCollection prepareUnique violations are accessible',
      'modifyCollection-pre_and_post_images.json: modifyCollection to changeStreamPreAndPostImages enabled',
    ],
  },
  {
    reason: 'FerretDB 1.24: create: support for field "timeseries" ... is not implemented yet',
    cases: [
      'timeseries-collection.json: createCollection with all options',
      'timeseries-collection.json: insertMany with duplicate ids',
      'timeseries-collection.json: createCollection with bucketing options',
    ],
  },
  // Change streams are played by the replica-set proxy from the writes it forwards; these cases
  // need a write FerretDB cannot do.
  {
    reason:
      "FerretDB 1.24: no pipeline-style updates (\"BSON field 'update.updates.u' is the wrong type 'array', expected type 'object'\")",
    cases: ['change-streams.json: Test array truncation'],
  },
  {
    reason:
      'FerretDB 1.24: renameCollection with dropTarget ("support for field "dropTarget" with non-default value true is not implemented yet")',
    cases: [
      'change-streams-showExpandedEvents.json: when showExpandedEvents is true, new fields on change stream events are handled appropriately',
    ],
  },
  {
    reason:
      'FerretDB 1.24: no collMod ("`collMod` command is not implemented yet"): no changeStreamPreAndPostImages, no modify event',
    file: /change-streams-pre_and_post_images\.json$/,
  },
  {
    reason: 'FerretDB 1.24: no collMod ("`collMod` command is not implemented yet")',
    cases: [
      'change-streams-showExpandedEvents.json: when showExpandedEvents is true, modify events are reported',
    ],
  },
  {
    reason: 'FerretDB 1.24: no views (create with viewOn is refused)',
    cases: [
      'change-streams-showExpandedEvents.json: when showExpandedEvents is true, create events on views are reported',
    ],
  },
];

/** Features the runner/driver does not have yet; skipped on every server. */
export const RUNNER_GAPS: readonly Limitation[] = [
  {
    uses: 'mapReduce',
    reason:
      'mapReduce is not offered (deprecated since MongoDB 5.0; the official Node driver removed it in v6)',
  },
  {
    reason:
      'waitQueueSize and waitQueueMultiple are not offered (deprecated CMAP options; the spec makes them optional, the official Node driver lacks them too)',
    cases: [
      'connection-pool-options.json: waitQueueSize should be included in connection pool created message when specified',
      'connection-pool-options.json: waitQueueMultiple should be included in connection pool created message when specified',
    ],
  },
];

/**
 * Entity types and operation names a test uses (and `expectLogMessages`). A file-level entity counts only when the test
 * mentions its id (a file may create a session that only some of its tests use).
 */
export function featuresOf(file: Document, test: Document): Set<string> {
  const out = new Set<string>();
  const text = JSON.stringify(test);
  const entities: Document[] = (file.createEntities ?? []).filter((e: Document) => {
    const [type, spec] = Object.entries(e)[0] as [string, Document];
    return !['session', 'bucket'].includes(type) || text.includes(`"${spec.id}"`);
  });
  const visit = (ops: Document[]) => {
    for (const op of ops) {
      out.add(op.name);
      if (op.name === 'createEntities') entities.push(...(op.arguments?.entities ?? []));
      if (op.arguments?.session !== undefined) out.add('session');
      if (op.arguments?.operation) visit([op.arguments.operation]);
      if (Array.isArray(op.arguments?.operations)) visit(op.arguments.operations);
    }
  };
  visit(test.operations ?? []);
  for (const e of entities) for (const k of Object.keys(e)) out.add(k);
  // Log assertions: the runner cannot check them before the driver logs (logging spec).
  if (test.expectLogMessages !== undefined) out.add('expectLogMessages');
  return out;
}

function matchesText(pattern: string | RegExp | undefined, text: string, exact: boolean): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === 'string')
    return exact ? text === pattern : text.endsWith(`/${pattern}`) || text === pattern;
  return pattern.test(text);
}

/** The reason `test` of `<folder>/<file>` is skipped by `list`, if any. */
export function limitationFor(
  list: readonly Limitation[],
  path: string,
  file: Document,
  test: Document,
  proxied = false,
): string | undefined {
  let features: Set<string> | undefined;
  for (const l of list) {
    if (proxied && l.liftedByProxy) continue;
    if (l.cases && !l.cases.includes(`${path.split('/').pop()}: ${test.description}`)) continue;
    if (!matchesText(l.file, path, false)) continue;
    if (!matchesText(l.test, String(test.description), true)) continue;
    if (l.uses) {
      features ??= featuresOf(file, test);
      if (!features.has(l.uses)) continue;
    }
    return l.reason;
  }
  return undefined;
}
