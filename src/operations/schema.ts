// Document typing for Collection<TSchema>: simplified versions of the official driver's names.
import type { Document, ObjectId } from 'bson';

/** The `_id` type of a schema: its own when declared, else ObjectId. */
export type InferIdType<TSchema> = TSchema extends { _id: infer Id }
  ? Id
  : TSchema extends { _id?: infer Id }
    ? Id
    : ObjectId;

/** A document as it comes back from the server: `_id` always present. */
export type WithId<TSchema> = Omit<TSchema, '_id'> & { _id: InferIdType<TSchema> };

/** A document to insert: `_id` may be left out (the driver generates an ObjectId). */
export type OptionalId<TSchema> = Omit<TSchema, '_id'> & { _id?: InferIdType<TSchema> };

/** `_id` left out of the schema (replacements may not change it). */
export type WithoutId<TSchema> = Omit<TSchema, '_id'>;

/** Query operators for one field of type V. */
export interface FilterOperators<V> {
  $eq?: V;
  $ne?: V;
  $gt?: V;
  $gte?: V;
  $lt?: V;
  $lte?: V;
  $in?: readonly V[];
  $nin?: readonly V[];
  $exists?: boolean;
  $type?: string | number | readonly (string | number)[];
  $not?: FilterOperators<V> | RegExp;
  $regex?: V extends string ? RegExp | string : never;
  $options?: V extends string ? string : never;
  $size?: V extends readonly unknown[] ? number : never;
  $all?: V extends readonly unknown[] ? readonly unknown[] : never;
  $elemMatch?: Document;
  $mod?: V extends number ? [number, number] : never;
  [operator: `$${string}`]: unknown;
}

/** A field's condition: a value, an element of an array field, an operator document, or a RegExp. */
export type Condition<V> =
  | V
  | FilterOperators<V>
  | RegExp
  | (V extends readonly (infer E)[] ? E | FilterOperators<E> : never);

/** Top-level filter operators (`$and`, `$or`, `$nor`, `$expr`, `$text`, ...). */
export interface RootFilterOperators<TSchema> {
  $and?: Filter<TSchema>[];
  $or?: Filter<TSchema>[];
  $nor?: Filter<TSchema>[];
  $expr?: Document;
  $text?: { $search: string; $language?: string; $caseSensitive?: boolean; $diacriticSensitive?: boolean };
  $where?: string;
  $comment?: string | Document;
}

/**
 * A query filter: declared fields take conditions of their type; dotted paths and fields not in the
 * schema are accepted untyped (the official driver types dotted paths too, at a large cost in compile time).
 */
export type Filter<TSchema> = {
  [K in keyof WithId<TSchema>]?: Condition<WithId<TSchema>[K]>;
} & RootFilterOperators<WithId<TSchema>> & { [path: string]: unknown };

type KeysOfType<T, V> = { [K in keyof T]-?: NonNullable<T[K]> extends V ? K : never }[keyof T];
type KeysOfOtherType<T, V> = { [K in keyof T]-?: NonNullable<T[K]> extends V ? never : K }[keyof T];
/**
 * A field map restricted to the schema's fields of type V: other declared fields are refused
 * (`never`, as the official types do: `$inc` on a string field is a type error); dotted paths and
 * fields not in the schema take the assigned type.
 */
export type OnlyFieldsOfType<TSchema, V, Assign = V> =
  IsAny<TSchema[keyof TSchema]> extends true
    ? { [path: string]: Assign | undefined }
    : { [K in KeysOfType<TSchema, V>]?: Assign } & {
        [K in KeysOfOtherType<TSchema, V>]?: never;
      } & { [path: string]: Assign | undefined };
/** True for `any` (untyped schemas such as Document). */
type IsAny<T> = 0 extends 1 & T ? true : false;
/** `$unset` takes the schema's own fields and dotted paths only; a field the schema lacks is a type error. */
export type UnsetFields<TSchema> = { [K in keyof TSchema]?: '' | 1 | true } & {
  [path: `${string}.${string}`]: '' | 1 | true;
};
/** Fields and dotted paths with their values (`$set` and the like). */
export type MatchKeysAndValues<TSchema> = Partial<TSchema> & { [path: string]: unknown };

/** An update document of operators (crud spec: updateOne/updateMany require them). */
export interface UpdateFilter<TSchema> {
  $set?: MatchKeysAndValues<TSchema>;
  $setOnInsert?: MatchKeysAndValues<TSchema>;
  $unset?: UnsetFields<TSchema>;
  $inc?: OnlyFieldsOfType<TSchema, number>;
  $mul?: OnlyFieldsOfType<TSchema, number>;
  $min?: MatchKeysAndValues<TSchema>;
  $max?: MatchKeysAndValues<TSchema>;
  $rename?: Record<string, string>;
  $currentDate?: OnlyFieldsOfType<TSchema, Date, true | { $type: 'date' | 'timestamp' }>;
  $push?: OnlyFieldsOfType<TSchema, readonly unknown[], unknown>;
  $addToSet?: OnlyFieldsOfType<TSchema, readonly unknown[], unknown>;
  $pull?: OnlyFieldsOfType<TSchema, readonly unknown[], unknown>;
  $pullAll?: OnlyFieldsOfType<TSchema, readonly unknown[], readonly unknown[]>;
  $pop?: OnlyFieldsOfType<TSchema, readonly unknown[], 1 | -1>;
  $bit?: OnlyFieldsOfType<TSchema, number, { and?: number; or?: number; xor?: number }>;
  [operator: `$${string}`]: unknown;
}

export type { Sort, SortDirection } from './sort.js';
