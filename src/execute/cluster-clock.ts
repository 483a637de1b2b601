import type { Document, Timestamp } from 'bson';

/** `$clusterTime` documents compare by their `clusterTime` Timestamp (sessions spec, "Gossipping the cluster time"). */
export function laterClusterTime(a: Document | undefined, b: Document | undefined): Document | undefined {
  if (!isClusterTime(b)) return a;
  if (!isClusterTime(a)) return b;
  return (b.clusterTime as Timestamp).greaterThan(a.clusterTime as Timestamp) ? b : a;
}

export function isClusterTime(value: unknown): value is Document {
  const ct = (value as Document | undefined)?.clusterTime as Timestamp | undefined;
  return typeof value === 'object' && value !== null && typeof ct?.greaterThan === 'function';
}

/**
 * The highest `$clusterTime` the client has seen in any reply: sent on every command to a
 * deployment that reports one, so causally related operations across sessions see each other.
 */
export class ClusterClock {
  private current: Document | undefined;

  get clusterTime(): Document | undefined {
    return this.current;
  }

  advance(clusterTime: unknown): void {
    this.current = laterClusterTime(this.current, clusterTime as Document | undefined);
  }
}
