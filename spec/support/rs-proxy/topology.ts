import { type Document, Long, ObjectId } from 'bson';

/**
 * A member's (or router's) topologyVersion: a processId for its life and a counter that grows on
 * every change of what its hello says; `changed` aborts then, waking awaiting hellos at once.
 */
export class TopologyVersion {
  readonly processId = new ObjectId();
  private counter = 0n;
  private controller = new AbortController();

  get current(): Document {
    return { processId: this.processId, counter: Long.fromBigInt(this.counter) };
  }

  /** Aborts at the next change. */
  get changed(): AbortSignal {
    return this.controller.signal;
  }

  bump(): void {
    this.counter++;
    const old = this.controller;
    this.controller = new AbortController();
    old.abort();
  }

  /** Whether a client's `topologyVersion` is this one's current value. */
  isCurrent(known: unknown): boolean {
    if (typeof known !== 'object' || known === null) return false;
    const { processId, counter } = known as { processId?: unknown; counter?: unknown };
    if (!(processId instanceof ObjectId) || !processId.equals(this.processId)) return false;
    if (counter === undefined || counter === null) return false;
    try {
      return BigInt(Long.isLong(counter) ? counter.toString() : Number(counter)) === this.counter;
    } catch {
      return false;
    }
  }
}

/** Who is primary, in which term, under which config version. `onChange` runs after each change. */
export class ReplicaSetState {
  private primaryIndex: number | undefined = 0;
  private termNumber = 1;
  private version = 1;

  constructor(
    readonly size: number,
    private readonly onChange: () => void,
  ) {}

  get primary(): number | undefined {
    return this.primaryIndex;
  }

  get term(): number {
    return this.termNumber;
  }

  get setVersion(): number {
    return this.version;
  }

  /** mongod's electionId form: 7fffffff followed by the term, so later elections compare greater. */
  get electionId(): ObjectId {
    return ObjectId.createFromHexString(`7fffffff${this.termNumber.toString(16).padStart(16, '0')}`);
  }

  elect(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`elect: no member ${index} (members 0..${this.size - 1})`);
    }
    this.termNumber++;
    this.primaryIndex = index;
    this.onChange();
  }

  stepDown(next?: number | null): void {
    const old = this.primaryIndex;
    if (old === undefined) throw new Error('stepDown: there is no primary');
    if (next === null) {
      this.primaryIndex = undefined;
      this.onChange();
      return;
    }
    this.elect(next ?? (old + 1) % this.size);
  }

  reconfig(): void {
    this.version++;
    this.onChange();
  }
}
