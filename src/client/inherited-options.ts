import type { Document } from 'bson';

/**
 * Options resolved client -> db -> collection -> operation, as the official driver does:
 * each level inherits the level above unless it sets its own.
 */
export interface InheritedOptions {
  readonly readPreference?: unknown;
  readonly readConcern?: Document;
  readonly writeConcern?: Document;
}

export function inherit(parent: InheritedOptions, own: InheritedOptions = {}): InheritedOptions {
  return {
    readPreference: own.readPreference ?? parent.readPreference,
    readConcern: own.readConcern ?? parent.readConcern,
    writeConcern: own.writeConcern ?? parent.writeConcern,
  };
}
