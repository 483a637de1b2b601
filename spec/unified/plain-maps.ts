import type { Document } from 'bson';

/**
 * A client bulk write result as the unified format writes it: its Maps by model index
 * (insertResults, updateResults, deleteResults) as documents keyed by the index; anything else as is.
 */
export function plainMaps(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Map) return value;
  if (!Object.values(value).some((v) => v instanceof Map)) return value;
  const out: Document = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = v instanceof Map ? Object.fromEntries([...v].map(([k, item]) => [String(k), item])) : v;
  }
  return out;
}
