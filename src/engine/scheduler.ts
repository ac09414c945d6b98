/**
 * Admission: a global limit on active runs, FIFO, and one active run per session. A run that waits for input is
 * parked: it gives its slot back but keeps its session; when its answer comes it takes a slot again, before any
 * run that has not started yet, or waits for one.
 */

export interface Schedulable {
  readonly runId: string;
  readonly sessionId: string;
}

export class Scheduler<T extends Schedulable> {
  private readonly queue: T[] = [];
  private readonly active = new Map<string, T>();
  private readonly activeSessions = new Set<string>();
  /** Parked items, by run id: no slot, session kept. */
  private readonly parked = new Set<string>();
  /** Parked items whose answer came while no slot was free, in the order it came. */
  private readonly resuming: T[] = [];
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

  /** Takes a queued item out (new, or parked and waiting for a slot); false when it is not queued. */
  remove(item: T): boolean {
    for (const list of [this.queue, this.resuming]) {
      const at = list.indexOf(item);
      if (at !== -1) {
        list.splice(at, 1);
        return true;
      }
    }
    return false;
  }

  /** An active item waits for input: its slot goes to the next item, its session stays taken. */
  park(item: T): void {
    if (this.active.get(item.runId) !== item) return;
    this.active.delete(item.runId);
    this.parked.add(item.runId);
    this.pump();
  }

  /**
   * A parked item goes on: true when it holds a slot now (it had one, or one was free); otherwise it waits first in
   * line and `start` is called for it again once it gets one.
   */
  unpark(item: T): boolean {
    if (!this.parked.has(item.runId)) return true;
    if (this.active.size < this.limit) {
      this.parked.delete(item.runId);
      this.active.set(item.runId, item);
      return true;
    }
    if (!this.resuming.includes(item)) this.resuming.push(item);
    return false;
  }

  /** Frees the slot (or the parking place) and the session of a finished item, and starts what may start now. */
  release(item: T): void {
    if (this.active.get(item.runId) === item) this.active.delete(item.runId);
    else if (this.parked.delete(item.runId)) this.remove(item);
    else return;
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
    while (this.resuming.length > 0 && this.active.size < this.limit) {
      const item = this.resuming.shift() as T;
      this.parked.delete(item.runId);
      this.active.set(item.runId, item);
      this.start(item);
    }
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
