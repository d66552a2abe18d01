/**
 * A bounded log: the last `limit` items in a ring buffer. Appending is O(1) however long the emulator runs
 * (nothing is re-sliced once it is full). Items are numbered by arrival (1, 2, ...; the numbers keep rising
 * across the wrap), and a read of the items after number n starts at its item directly instead of scanning
 * the older ones. The request log and the webhook delivery log keep their entries in one.
 */
export class Ring<T> {
  private readonly slots: (T | undefined)[];
  /** index of the slot the next item goes into */
  private next = 0;
  private size = 0;
  private count = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a ring's limit must be a positive integer, got ${limit}`);
    this.slots = new Array<T | undefined>(limit);
  }

  /** Appends an item; once the ring is full the oldest one goes. Returns the item's arrival number. */
  push(item: T): number {
    this.slots[this.next] = item;
    this.next = this.next + 1 === this.limit ? 0 : this.next + 1;
    if (this.size < this.limit) this.size++;
    return ++this.count;
  }

  /** How many items are kept now. */
  get length(): number {
    return this.size;
  }

  /** How many items were ever appended: the arrival number of the newest (0 before the first). */
  get pushed(): number {
    return this.count;
  }

  /**
   * The kept items that arrived after number `after` (all when undefined, none when NaN), oldest first,
   * that `keep` accepts.
   */
  list(after?: number, keep?: (item: T) => boolean): T[] {
    if (Number.isNaN(after)) return [];
    const oldest = this.count - this.size + 1;
    const skip = after === undefined || !(after >= oldest) ? 0 : Math.min(this.size, Math.floor(after) - oldest + 1);
    const start = (this.next - this.size + this.limit) % this.limit;
    const out: T[] = [];
    for (let i = skip; i < this.size; i++) {
      const item = this.slots[(start + i) % this.limit]!;
      if (!keep || keep(item)) out.push(item);
    }
    return out;
  }
}
