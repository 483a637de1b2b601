import type { Binary, Document, Long, Timestamp } from 'bson';
import type { InferIdType } from '../operations/schema.js';

// The change events of the change-streams spec ("Response Format") and the server's docs, one
// shape per `operationType` so that narrowing on it gives exactly that event's fields. Fields a
// newer server adds reach the subscriber untouched (the spec: unknown fields MUST NOT err); they
// are not typed until they are listed here.

/** A resume token: the opaque `_id` of an event, or a batch's `postBatchResumeToken`. */
export type ResumeToken = Document;

/** The namespace of a collection event. */
export interface ChangeStreamNameSpace {
  readonly db: string;
  readonly coll: string;
}

/** The namespace of a database event (`dropDatabase`, and `invalidate` of a database stream). */
export interface ChangeStreamDatabaseNameSpace {
  readonly db: string;
}

/** The session of a change made inside a transaction (`lsid`). */
export interface ChangeStreamSessionId {
  readonly id: Binary;
  readonly uid?: Binary;
}

/** What every change event carries. */
export interface ChangeStreamEventCommon {
  /** The resume token of this event. */
  readonly _id: ResumeToken;
  /** The time of the change (its oplog entry); a transaction's events share the commit's time. */
  readonly clusterTime?: Timestamp;
  /** The server's wall clock at the change (6.0+). */
  readonly wallTime?: Date;
  /** Changes inside a transaction: its number ... */
  readonly txnNumber?: Long;
  /** ... and its session. */
  readonly lsid?: ChangeStreamSessionId;
  /** `$changeStreamSplitLargeEvent` (7.0+): which fragment of how many this event is. */
  readonly splitEvent?: { readonly fragment: number; readonly of: number };
}

/** `collectionUUID`: on the events of a collection with `showExpandedEvents` (6.0+). */
export interface ChangeStreamCollectionUUID {
  readonly collectionUUID?: Binary;
}

/** `operationDescription`: what a DDL event did (with `showExpandedEvents`). */
export interface ChangeStreamOperationDescription {
  readonly operationDescription?: Document;
}

/** The `_id` (and, on sharded collections, the shard key) of the changed document. */
export type ChangeStreamDocumentKey<TSchema extends Document = Document> = {
  readonly _id: InferIdType<TSchema>;
} & Document;

/** An array shortened by an update (`updateDescription.truncatedArrays`). */
export interface ChangeStreamTruncatedArray {
  readonly field: string;
  readonly newSize: number;
}

/** What an update changed (`updateDescription` of an update event). */
export interface UpdateDescription<TSchema extends Document = Document> {
  /** Each changed field (dotted paths for nested ones) with its new value. */
  readonly updatedFields?: Partial<TSchema> & Document;
  readonly removedFields?: string[];
  /** Arrays shortened by the update (a pipeline update or `$pop`, `$pull`, ...). */
  readonly truncatedArrays?: ChangeStreamTruncatedArray[];
  /**
   * With `showExpandedEvents` (6.1+): for each ambiguous dotted path of `updatedFields` or
   * `removedFields` (numeric keys, keys with dots), its path as an array of components.
   */
  readonly disambiguatedPaths?: Record<string, (string | number)[]>;
}

export interface ChangeStreamInsertDocument<TSchema extends Document = Document>
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID {
  readonly operationType: 'insert';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: ChangeStreamDocumentKey<TSchema>;
  readonly fullDocument: TSchema;
}

export interface ChangeStreamUpdateDocument<TSchema extends Document = Document>
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID {
  readonly operationType: 'update';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: ChangeStreamDocumentKey<TSchema>;
  readonly updateDescription: UpdateDescription<TSchema>;
  /** With `fullDocument: 'updateLookup' | 'whenAvailable' | 'required'` (null: gone, or no post-image). */
  readonly fullDocument?: TSchema | null;
  /** With `fullDocumentBeforeChange: 'whenAvailable' | 'required'` (null: no pre-image). */
  readonly fullDocumentBeforeChange?: TSchema | null;
}

export interface ChangeStreamReplaceDocument<TSchema extends Document = Document>
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID {
  readonly operationType: 'replace';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: ChangeStreamDocumentKey<TSchema>;
  readonly fullDocument: TSchema;
  readonly fullDocumentBeforeChange?: TSchema | null;
}

export interface ChangeStreamDeleteDocument<TSchema extends Document = Document>
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID {
  readonly operationType: 'delete';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: ChangeStreamDocumentKey<TSchema>;
  readonly fullDocumentBeforeChange?: TSchema | null;
}

/** The collection was dropped (a collection stream then gets `invalidate`). */
export interface ChangeStreamDropDocument extends ChangeStreamEventCommon, ChangeStreamCollectionUUID {
  readonly operationType: 'drop';
  readonly ns: ChangeStreamNameSpace;
}

/** The collection was renamed to `to` (a stream on the old name then gets `invalidate`). */
export interface ChangeStreamRenameDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'rename';
  readonly ns: ChangeStreamNameSpace;
  readonly to: ChangeStreamNameSpace;
}

export interface ChangeStreamDropDatabaseDocument extends ChangeStreamEventCommon {
  readonly operationType: 'dropDatabase';
  readonly ns: ChangeStreamDatabaseNameSpace;
}

/** The last event of a stream: its collection or database is gone (the stream then completes). */
export interface ChangeStreamInvalidateDocument extends ChangeStreamEventCommon {
  readonly operationType: 'invalidate';
}

// The expanded events (`showExpandedEvents`, 6.0+): DDL on a collection.

export interface ChangeStreamCreateIndexesDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'createIndexes';
  readonly ns: ChangeStreamNameSpace;
}

export interface ChangeStreamDropIndexesDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'dropIndexes';
  readonly ns: ChangeStreamNameSpace;
}

/** A collection (or view, or time series) was created. */
export interface ChangeStreamCreateDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'create';
  readonly ns: ChangeStreamNameSpace;
  /** 8.1+. */
  readonly nsType?: 'collection' | 'timeseries' | 'view';
}

/** collMod. */
export interface ChangeStreamModifyDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'modify';
  readonly ns: ChangeStreamNameSpace;
  /** The collection's options before the change (with `fullDocumentBeforeChange`). */
  readonly stateBeforeChange?: Document;
}

export interface ChangeStreamShardCollectionDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'shardCollection';
  readonly ns: ChangeStreamNameSpace;
}

export interface ChangeStreamReshardCollectionDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'reshardCollection';
  readonly ns: ChangeStreamNameSpace;
}

export interface ChangeStreamRefineCollectionShardKeyDocument
  extends ChangeStreamEventCommon,
    ChangeStreamCollectionUUID,
    ChangeStreamOperationDescription {
  readonly operationType: 'refineCollectionShardKey';
  readonly ns: ChangeStreamNameSpace;
}

/** Every expanded (DDL) event. */
export type ChangeStreamExpandedDocument =
  | ChangeStreamCreateIndexesDocument
  | ChangeStreamDropIndexesDocument
  | ChangeStreamCreateDocument
  | ChangeStreamModifyDocument
  | ChangeStreamShardCollectionDocument
  | ChangeStreamReshardCollectionDocument
  | ChangeStreamRefineCollectionShardKeyDocument;

/** Every change event, discriminated by `operationType`. */
export type ChangeStreamDocument<TSchema extends Document = Document> =
  | ChangeStreamInsertDocument<TSchema>
  | ChangeStreamUpdateDocument<TSchema>
  | ChangeStreamReplaceDocument<TSchema>
  | ChangeStreamDeleteDocument<TSchema>
  | ChangeStreamDropDocument
  | ChangeStreamRenameDocument
  | ChangeStreamDropDatabaseDocument
  | ChangeStreamInvalidateDocument
  | ChangeStreamExpandedDocument;

/** The operation types of `ChangeStreamDocument`. */
export type ChangeStreamOperationType = ChangeStreamDocument['operationType'];

/** Options of `watch()` (change-streams spec, "ChangeStreamOptions"). */
export interface ChangeStreamOptions {
  /** 'default' | 'updateLookup' | 'whenAvailable' | 'required' (unknown values go to the server). */
  readonly fullDocument?: string;
  /** 'whenAvailable' | 'required' | 'off'. */
  readonly fullDocumentBeforeChange?: string;
  /** Start after the event with this resume token (not after an invalidate: use startAfter). */
  readonly resumeAfter?: ResumeToken;
  /** Start after this resume token, even one of an invalidate event (MongoDB 4.2+). */
  readonly startAfter?: ResumeToken;
  /** Start at this cluster time (MongoDB 4.0+). */
  readonly startAtOperationTime?: Timestamp;
  /** Also emit DDL events (create, createIndexes, modify, shardCollection, ...; MongoDB 6.0+). */
  readonly showExpandedEvents?: boolean;
  /** Sent as getMore `maxTimeMS`: how long the server waits for new events. */
  readonly maxAwaitTimeMS?: number;
  /** Events per server batch. */
  readonly batchSize?: number;
  /** String comparison rules of the stream's pipeline. */
  readonly collation?: Document;
  /** Attached to the aggregate and each getMore. */
  readonly comment?: unknown;
}
