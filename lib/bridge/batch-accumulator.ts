/** SendMessageBatch takes at most 10 entries. */
export const MAX_BATCH_ENTRIES = 10;

export interface Sized {
  bytes: number;
}

/**
 * Groups messages into SendMessageBatch calls: a batch is complete at 10 entries, and never grows past the
 * byte limit SQS puts on a whole request. The caller flushes partial batches (linger, shutdown).
 */
export class BatchAccumulator<T extends Sized> {
  private items: T[] = [];
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxEntries = MAX_BATCH_ENTRIES,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Adds an item (each one is at most `maxBytes`); returns the batches it completed, oldest first. */
  add(item: T): T[][] {
    const complete: T[][] = [];
    if (this.items.length > 0 && this.bytes + item.bytes > this.maxBytes) complete.push(this.take());
    this.items.push(item);
    this.bytes += item.bytes;
    if (this.items.length >= this.maxEntries) complete.push(this.take());
    return complete;
  }

  /** The pending partial batch, possibly empty; the accumulator starts over. */
  take(): T[] {
    const batch = this.items;
    this.items = [];
    this.bytes = 0;
    return batch;
  }

  /** Drops the pending items matching `predicate` (e.g. of a closed channel) and returns them. */
  remove(predicate: (item: T) => boolean): T[] {
    const removed = this.items.filter(predicate);
    if (removed.length === 0) return removed;
    this.items = this.items.filter((item) => !predicate(item));
    this.bytes = this.items.reduce((total, item) => total + item.bytes, 0);
    return removed;
  }
}
