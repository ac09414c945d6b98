/** Admission: a global limit on active runs, FIFO, and one active run per session. */

export interface Schedulable {
  readonly runId: string;
  readonly sessionId: string;
}

export class Scheduler<T extends Schedulable> {
  private readonly queue: T[] = [];
  private readonly active = new Map<string, T>();
  private readonly activeSessions = new Set<string>();
  private pumping = false;

  constructor(
    private readonly limit: number,
    private readonly start: (item: T) => void,
  ) {}

  get activeCount(): number {
    return this.active.size;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  enqueue(item: T): void {
    this.queue.push(item);
    this.pump();
  }

  /** Takes a queued item out; false when it is not queued (already started or gone). */
  remove(item: T): boolean {
    const at = this.queue.indexOf(item);
    if (at === -1) return false;
    this.queue.splice(at, 1);
    return true;
  }

  /** Frees the slot and the session of a finished item, and starts what may start now. */
  release(item: T): void {
    if (this.active.get(item.runId) !== item) return;
    this.active.delete(item.runId);
    this.activeSessions.delete(item.sessionId);
    this.pump();
  }

  private pump(): void {
    // start() may finish an item at once and release() it: that release must not re-enter this loop.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.admit();
    } finally {
      this.pumping = false;
    }
  }

  private admit(): void {
    // A run whose session is busy waits, but does not hold back runs of other sessions queued after it.
    for (let i = 0; i < this.queue.length && this.active.size < this.limit; ) {
      const item = this.queue[i] as T;
      if (this.activeSessions.has(item.sessionId)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.active.set(item.runId, item);
      this.activeSessions.add(item.sessionId);
      this.start(item);
      i = 0;
    }
  }
}
