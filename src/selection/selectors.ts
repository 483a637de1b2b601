import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { ServerDescription } from '../sdam/description/server-description.js';
import type { TopologyDescription } from '../sdam/description/topology-description.js';
import { filterByStaleness, validateMaxStaleness } from './max-staleness.js';
import { maxStalenessOf, type ReadPreferenceLike, selectionModeOf } from './read-preference-like.js';

/**
 * Picks the suitable servers among `candidates` (the topology's servers, possibly without the
 * deprioritized ones). May throw MongoInvalidArgumentError for an unusable read preference.
 */
export type ServerSelector = (
  topology: TopologyDescription,
  candidates: readonly ServerDescription[],
) => ServerDescription[];

/** Single and LoadBalanced: the one server is suitable for anything once it is known. */
function directServers(candidates: readonly ServerDescription[]): ServerDescription[] {
  return candidates.filter((sd) => sd.type !== 'Unknown' && sd.type !== 'PossiblePrimary');
}

const ofType = (candidates: readonly ServerDescription[], type: ServerDescription['type']) =>
  candidates.filter((sd) => sd.type === type);

/**
 * Suitable servers where read preference plays no part in choosing (Single, LoadBalanced,
 * Sharded, Unknown); undefined for replica sets.
 */
function nonReplicaSetSelection(
  td: TopologyDescription,
  candidates: readonly ServerDescription[],
): ServerDescription[] | undefined {
  switch (td.type) {
    case 'Single':
    case 'LoadBalanced':
      return directServers(candidates);
    case 'Sharded':
      // mode, tags and maxStalenessSeconds are passed to mongos, not used here.
      return ofType(candidates, 'Mongos');
    case 'ReplicaSetWithPrimary':
    case 'ReplicaSetNoPrimary':
      return undefined;
    default:
      return [];
  }
}

/** server-selection "Write operations": primary, mongos, or the direct/load-balanced server. */
export function writableServerSelector(): ServerSelector {
  return (td, candidates) => nonReplicaSetSelection(td, candidates) ?? ofType(candidates, 'RSPrimary');
}

/** server-selection "Read operations" for every topology type, with tag sets and maxStalenessSeconds. */
export function readPreferenceSelector(readPreference: ReadPreferenceLike): ServerSelector {
  const mode = selectionModeOf(readPreference);
  if (mode === undefined)
    throw new MongoInvalidArgumentError(`Invalid read preference mode ${readPreference.mode}`);
  const maxStaleness = maxStalenessOf(readPreference);
  const tagSets = readPreference.tags ?? [];
  return (td, candidates) => {
    const direct = nonReplicaSetSelection(td, candidates);
    if (direct) return direct;
    if (maxStaleness !== undefined) {
      if (mode === 'primary') {
        throw new MongoInvalidArgumentError(
          'maxStalenessSeconds cannot be used with read preference mode primary',
        );
      }
      validateMaxStaleness(maxStaleness, td.heartbeatFrequencyMS);
    }
    const primaries = ofType(candidates, 'RSPrimary');
    // "secondary" / "nearest": staleness first, then tag sets (why: max-staleness is applied before tags).
    const eligible = (servers: ServerDescription[]) =>
      matchTagSets(
        maxStaleness === undefined ? servers : filterByStaleness(td, servers, maxStaleness),
        tagSets,
      );
    const secondaries = () => eligible(ofType(candidates, 'RSSecondary'));
    switch (mode) {
      case 'primary':
        return primaries;
      case 'secondary':
        return secondaries();
      case 'nearest':
        return eligible(candidates.filter((sd) => sd.type === 'RSPrimary' || sd.type === 'RSSecondary'));
      case 'secondaryPreferred': {
        const found = secondaries();
        return found.length > 0 ? found : primaries;
      }
      case 'primaryPreferred':
        return primaries.length > 0 ? primaries : secondaries();
    }
  };
}

/**
 * server-selection "Algorithm for filtering by tag_sets": the servers matching the first tag set
 * that matches any; all servers when there are no tag sets. An empty tag set matches every server.
 */
export function matchTagSets(
  servers: ServerDescription[],
  tagSets: readonly Document[],
): ServerDescription[] {
  if (tagSets.length === 0) return servers;
  for (const tagSet of tagSets) {
    const entries = Object.entries(tagSet);
    const matching = servers.filter((sd) => entries.every(([k, v]) => sd.tags[k] === String(v)));
    if (matching.length > 0) return matching;
  }
  return [];
}
