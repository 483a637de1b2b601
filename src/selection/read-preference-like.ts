import type { Document } from 'bson';

/**
 * What selection needs from a read preference. `ReadPreference` (src/read-preference.ts) fits this
 * shape; so does any plain object with a mode such as 'secondaryPreferred' (case-insensitive).
 */
export interface ReadPreferenceLike {
  readonly mode: string;
  readonly tags?: readonly Document[];
  /** Absent or -1: no maximum. */
  readonly maxStalenessSeconds?: number;
}

export type SelectionMode = 'primary' | 'primaryPreferred' | 'secondary' | 'secondaryPreferred' | 'nearest';

const MODES: Record<string, SelectionMode> = {
  primary: 'primary',
  primarypreferred: 'primaryPreferred',
  secondary: 'secondary',
  secondarypreferred: 'secondaryPreferred',
  nearest: 'nearest',
};

/** The canonical mode of a read preference, or undefined when it is not one of the five. */
export function selectionModeOf(readPreference: ReadPreferenceLike): SelectionMode | undefined {
  return MODES[readPreference.mode.toLowerCase()];
}

/** maxStalenessSeconds when set (not absent, not -1). */
export function maxStalenessOf(readPreference: ReadPreferenceLike): number | undefined {
  const mss = readPreference.maxStalenessSeconds;
  return mss === undefined || mss === -1 ? undefined : mss;
}
