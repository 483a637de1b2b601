import type { Document } from 'bson';
import { type BsonOptions, layerBsonOptions, pickBsonOptions } from '../bson-options.js';
import { checkPkFactory, type PkFactory } from '../operations/document-id.js';
import type { ConcernNeeds } from '../operations/operation.js';
import { readConcernDocument, type WriteConcernLike, writeConcernDocument } from '../operations/options.js';
import type { ReadConcernLevel, ReadConcernLike } from '../read-concern.js';
import { type ReadPreference, type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import { checkedTimeoutMS } from './session-scope.js';

/** What users may pass to `client.db(name, options)` and `db.collection(name, options)`. */
export interface InheritableOptions extends BsonOptions {
  readonly readPreference?: ReadPreferenceLike;
  readonly readConcern?: ReadConcernLike | ReadConcernLevel;
  readonly writeConcern?: WriteConcernLike;
  /** CSOT: the time limit of each operation of this handle (0 = none); inherited when not set. */
  readonly timeoutMS?: number;
  /** Makes `_id` for inserted documents that lack one (default: a new ObjectId). */
  readonly pkFactory?: PkFactory;
  /** Inserted documents without `_id` are sent as they are: the server adds it. */
  readonly forceServerObjectId?: boolean;
}

/**
 * Options resolved client -> db -> collection -> operation, as the official driver does: each level
 * inherits the level above unless it sets its own. Stored validated: the read preference as a
 * ReadPreference (resolved once, here), the concerns in their wire form.
 */
export interface InheritedOptions {
  readonly readPreference?: ReadPreference;
  readonly readConcern?: Document;
  readonly writeConcern?: Document;
  readonly timeoutMS?: number;
  readonly pkFactory?: PkFactory;
  readonly forceServerObjectId?: boolean;
  /** BSON options set at this level or above (promoteLongs, ignoreUndefined, raw, ...). */
  readonly bson?: BsonOptions;
}

/** Validates `own` (MongoInvalidArgumentError) and layers it over `parent`. */
export function inherit(parent: InheritedOptions, own: InheritableOptions = {}): InheritedOptions {
  return {
    readPreference: readPreferenceOf(own.readPreference) ?? parent.readPreference,
    readConcern: readConcernDocument(own.readConcern) ?? parent.readConcern,
    writeConcern: writeConcernDocument(own.writeConcern) ?? parent.writeConcern,
    timeoutMS: checkedTimeoutMS(own.timeoutMS, 'db/collection') ?? parent.timeoutMS,
    pkFactory: checkPkFactory(own.pkFactory) ?? parent.pkFactory,
    forceServerObjectId: own.forceServerObjectId ?? parent.forceServerObjectId,
    bson: layerBsonOptions(parent.bson, pickBsonOptions(own)),
  };
}

/**
 * An operation's options with the concerns it takes (its `ConcernNeeds`) resolved: its own value
 * when it set one, else the inherited one. Concerns it does not take are left as the user gave them
 * (usually absent), so no operation has to strip inherited values it must not send.
 */
export function resolveOptions<O extends object>(
  inherited: InheritedOptions,
  options: O,
  needs: ConcernNeeds,
): O & InheritedOptions {
  const own = options as InheritableOptions;
  // Inherited BSON options first: the operation's own win, option by option.
  const out = (inherited.bson ? { ...inherited.bson, ...options } : { ...options }) as Record<
    string,
    unknown
  >;
  if (needs.readPreference)
    out.readPreference = readPreferenceOf(own.readPreference) ?? inherited.readPreference;
  if (needs.readConcern) out.readConcern = readConcernDocument(own.readConcern) ?? inherited.readConcern;
  if (needs.writeConcern) out.writeConcern = writeConcernDocument(own.writeConcern) ?? inherited.writeConcern;
  return out as O & InheritedOptions;
}
