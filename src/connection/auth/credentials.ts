import type { Document } from 'bson';

/**
 * What a provider needs to know about the user (auth spec "MongoCredential"). Structural, so the
 * URI layer's `MongoCredentials` can be passed as is. `mechanism` undefined means "negotiate".
 */
export interface AuthCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly source: string;
  readonly mechanism?: string;
  readonly mechanismProperties?: Document;
}
