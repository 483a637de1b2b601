/**
 * Request ids whose replies may still come and are to be dropped, not treated as stray: requests
 * sent with moreToCome (the OP_MSG spec says no reply comes, but FerretDB answers them anyway)
 * and requests whose subscriber left before the reply. Bounded: past `capacity` the oldest id is
 * forgotten, so a server that never answers (MongoDB, for moreToCome) costs a fixed amount.
 */
export class LateReplies {
  private readonly ids = new Set<number>();

  constructor(private readonly capacity: number) {}

  expect(requestId: number): void {
    this.ids.add(requestId);
    if (this.ids.size > this.capacity) {
      for (const oldest of this.ids) {
        this.ids.delete(oldest);
        break;
      }
    }
  }

  /** True (and forgets the id) when a reply to `responseTo` was expected to be dropped. */
  take(responseTo: number): boolean {
    return this.ids.delete(responseTo);
  }

  get size(): number {
    return this.ids.size;
  }
}
