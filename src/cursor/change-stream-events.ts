import type { Binary, Document, Timestamp } from 'bson';

/** A resume token: the opaque `_id` of an event, or a batch's `postBatchResumeToken`. */
export type ResumeToken = Document;

/** The namespace of an event (`coll` is absent for database-wide events). */
export interface ChangeStreamNameSpace {
  readonly db: string;
  readonly coll?: string;
}

/** What every change event carries (change-streams spec, "Response Format"). */
export interface ChangeStreamEventBase {
  /** The resume token of this event. */
  readonly _id: ResumeToken;
  readonly clusterTime?: Timestamp;
  /** 6.0+. */
  readonly wallTime?: Date;
  /** Set for changes inside a transaction. */
  readonly lsid?: Document;
  readonly txnNumber?: unknown;
  /** Event fields a newer server adds (the spec: unknown fields MUST NOT err). */
  readonly [field: string]: unknown;
}

/** `collectionUUID` with `showExpandedEvents`. */
interface WithCollectionUUID {
  readonly collectionUUID?: Binary;
}

/** What an update changed (`updateDescription` of an update event). */
export interface UpdateDescription<TSchema extends Document = Document> {
  readonly updatedFields?: Partial<TSchema> & Document;
  readonly removedFields?: string[];
  readonly truncatedArrays?: { readonly field: string; readonly newSize: number }[];
  /** With `showExpandedEvents` (6.1+). */
  readonly disambiguatedPaths?: Document;
}

export interface ChangeStreamInsertDocument<TSchema extends Document = Document>
  extends ChangeStreamEventBase,
    WithCollectionUUID {
  readonly operationType: 'insert';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: { readonly _id: unknown } & Document;
  readonly fullDocument: TSchema;
}

export interface ChangeStreamUpdateDocument<TSchema extends Document = Document>
  extends ChangeStreamEventBase,
    WithCollectionUUID {
  readonly operationType: 'update';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: { readonly _id: unknown } & Document;
  readonly updateDescription: UpdateDescription<TSchema>;
  /** With `fullDocument: 'updateLookup' | 'whenAvailable' | 'required'`. */
  readonly fullDocument?: TSchema | null;
  /** With `fullDocumentBeforeChange`. */
  readonly fullDocumentBeforeChange?: TSchema | null;
}

export interface ChangeStreamReplaceDocument<TSchema extends Document = Document>
  extends ChangeStreamEventBase,
    WithCollectionUUID {
  readonly operationType: 'replace';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: { readonly _id: unknown } & Document;
  readonly fullDocument: TSchema;
  readonly fullDocumentBeforeChange?: TSchema | null;
}

export interface ChangeStreamDeleteDocument<TSchema extends Document = Document>
  extends ChangeStreamEventBase,
    WithCollectionUUID {
  readonly operationType: 'delete';
  readonly ns: ChangeStreamNameSpace;
  readonly documentKey: { readonly _id: unknown } & Document;
  readonly fullDocumentBeforeChange?: TSchema | null;
}

export interface ChangeStreamDropDocument extends ChangeStreamEventBase, WithCollectionUUID {
  readonly operationType: 'drop';
  readonly ns: ChangeStreamNameSpace;
}

export interface ChangeStreamRenameDocument extends ChangeStreamEventBase {
  readonly operationType: 'rename';
  readonly ns: ChangeStreamNameSpace;
  readonly to: ChangeStreamNameSpace;
  readonly operationDescription?: Document;
}

export interface ChangeStreamDropDatabaseDocument extends ChangeStreamEventBase {
  readonly operationType: 'dropDatabase';
  readonly ns: { readonly db: string };
}

/** The last event of a stream: its collection or database is gone (the stream then completes). */
export interface ChangeStreamInvalidateDocument extends ChangeStreamEventBase {
  readonly operationType: 'invalidate';
}

/** The expanded events (`showExpandedEvents`, 6.0+). */
export interface ChangeStreamExpandedDocument extends ChangeStreamEventBase, WithCollectionUUID {
  readonly operationType:
    | 'createIndexes'
    | 'dropIndexes'
    | 'create'
    | 'modify'
    | 'shardCollection'
    | 'reshardCollection'
    | 'refineCollectionShardKey';
  readonly ns: ChangeStreamNameSpace;
  readonly operationDescription?: Document;
  /** `create` events, 8.1+. */
  readonly nsType?: 'collection' | 'timeseries' | 'view';
}

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
