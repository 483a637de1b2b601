/**
 * Load-balancer mode: a generation and a connection count per serviceId (CMAP "Load Balancer
 * Mode"). An entry disappears when its last connection closes.
 */
export class ServiceGenerations {
  private readonly entries = new Map<string, { generation: number; count: number }>();

  /** A connection for this service finished its handshake: it takes the current generation. */
  join(key: string): number {
    const entry = this.entries.get(key) ?? { generation: 0, count: 0 };
    entry.count++;
    this.entries.set(key, entry);
    return entry.generation;
  }

  leave(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (--entry.count <= 0) this.entries.delete(key);
  }

  generation(key: string): number {
    return this.entries.get(key)?.generation ?? 0;
  }

  /** Clearing one service: its connections become stale. Returns the generation before. */
  bump(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return entry.generation++;
  }
}

/** A stable map key for a serviceId (an ObjectId from hello, or anything in tests). */
export function serviceKey(serviceId: unknown): string {
  if (serviceId && typeof serviceId === 'object' && 'toHexString' in serviceId) {
    const hex = (serviceId as { toHexString(): unknown }).toHexString();
    if (typeof hex === 'string') return hex;
  }
  return String(serviceId);
}
