import type { Document } from 'bson';
import { type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import {
  type CursorCommandOptions,
  type CursorReply,
  lazyCursorBson,
  parseLazyCursorReply,
} from './cursor-commands.js';
import type { CommandOperation, ConcernNeeds } from './operation.js';
import { type RawDataOptions, withRawData } from './options.js';

/** A pipeline reads by read preference and read concern; one ending in $out/$merge also takes the write concern. */
export const AGGREGATE_CONCERNS: ConcernNeeds = {
  readPreference: true,
  readConcern: true,
  writeConcern: true,
};

/** Options of `aggregate` (crud spec "Aggregate"). */
export interface AggregateOptions extends CursorCommandOptions, RawDataOptions {
  /** Stages may use temporary files past their memory limit. */
  readonly allowDiskUse?: boolean;
  /** `$out`/`$merge` write documents that fail the target's validator. */
  readonly bypassDocumentValidation?: boolean;
  /** String comparison rules (locale, strength, ...). */
  readonly collation?: Document;
  /** The index the first stage uses, by name or key pattern. */
  readonly hint?: Document | string;
  /** Variables the pipeline can use as `$$name` (MongoDB 5.0+). */
  readonly let?: Document;
  /** The server stops the aggregation after this much processing time. */
  readonly maxTimeMS?: number;
  /** This aggregation's read concern. */
  readonly readConcern?: Document;
  /**
   * Where it reads (a pipeline with `$out`/`$merge` goes to the primary unless the server allows
   * otherwise).
   */
  readonly readPreference?: ReadPreferenceLike;
  /** The write concern of `$out`/`$merge`. */
  readonly writeConcern?: Document;
}

const PASS_THROUGH = [
  'allowDiskUse',
  'bypassDocumentValidation',
  'collation',
  'hint',
  'let',
  'maxTimeMS',
  'comment',
  'readConcern',
] as const;

/** True when the pipeline writes its result ($out / $merge as last stage). */
export function isWritingPipeline(pipeline: readonly Document[]): boolean {
  const last = pipeline[pipeline.length - 1];
  return last !== undefined && ('$out' in last || '$merge' in last);
}

/**
 * Builds `aggregate` (crud spec): `cursor.batchSize` is omitted for $out/$merge pipelines, whose
 * result is written, not returned; `writeConcern` goes only with those.
 */
export function buildAggregateCommand(
  collection: string | 1,
  pipeline: readonly Document[],
  options: AggregateOptions,
): Document {
  const writing = isWritingPipeline(pipeline);
  const cursor: Document = {};
  if (!writing && options.batchSize !== undefined && options.batchSize > 0)
    cursor.batchSize = options.batchSize;
  const command: Document = { aggregate: collection, pipeline, cursor };
  for (const key of PASS_THROUGH) if (options[key] !== undefined) command[key] = options[key];
  if (writing && options.writeConcern) command.writeConcern = options.writeConcern;
  return command;
}

export function aggregateOperation(
  db: string,
  collection: string | 1,
  pipeline: readonly Document[],
  options: AggregateOptions,
): CommandOperation<CursorReply<Document>> {
  const writing = isWritingPipeline(pipeline);
  const bson = lazyCursorBson(options);
  return {
    commandName: 'aggregate',
    dbName: db,
    kind: writing ? 'write' : 'read',
    retryable: writing ? false : 'read',
    readConcernSupport: true,
    readPreference: writing ? undefined : readPreferenceOf(options.readPreference),
    build: (server) => ({
      command: withRawData(buildAggregateCommand(collection, pipeline, options), options.rawData, server),
      replyBson: bson.replyBson,
    }),
    parse: (reply) => parseLazyCursorReply<Document>(reply, bson.batch),
  };
}
