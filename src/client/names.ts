import { MongoInvalidArgumentError } from '../errors.js';

/** Database names: non-empty, no "/\. "$ or NUL, at most 64 bytes (MongoDB naming restrictions). */
export function validateDbName(name: string): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new MongoInvalidArgumentError('database name must be a non-empty string');
  if (/[/\\. "$\0]/.test(name)) throw new MongoInvalidArgumentError(`invalid database name "${name}"`);
  if (Buffer.byteLength(name) >= 64)
    throw new MongoInvalidArgumentError(`database name "${name}" is too long`);
}

/** Collection names: non-empty, no "$" (except system names the server defines), no NUL, not starting or ending with ".". */
export function validateCollectionName(name: string): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new MongoInvalidArgumentError('collection name must be a non-empty string');
  if (name.includes('\0'))
    throw new MongoInvalidArgumentError('collection names cannot contain a null character');
  if (name.includes('$') && !/^\$cmd$|^oplog\.\$main$/.test(name)) {
    throw new MongoInvalidArgumentError(`collection name "${name}" must not contain "$"`);
  }
  if (name.startsWith('.') || name.endsWith('.')) {
    throw new MongoInvalidArgumentError(`collection name "${name}" must not start or end with "."`);
  }
}
