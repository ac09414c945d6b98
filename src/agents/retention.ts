/**
 * How long finished things stay in memory (tasks that ended, conversations with no turn running): at most `max`
 * of them, none older than `ttlMs`, the least recently finished dropped first. Live ones are never counted.
 */

export interface Retention {
  /** Most finished entries kept. */
  max: number;
  /** Longest a finished entry is kept, in milliseconds. */
  ttlMs: number;
}

/** The finished keys, least recently finished first, and which of them are due to go. */
export class Expiry<K> {
  private readonly finishedAt = new Map<K, number>();

  constructor(
    private readonly retention: Retention,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.finishedAt.size;
  }

  /** `key` finished (again) now: it becomes the newest. */
  finished(key: K): void {
    this.finishedAt.delete(key);
    this.finishedAt.set(key, this.now());
  }

  /** `key` is live (or gone): it is never due. */
  live(key: K): void {
    this.finishedAt.delete(key);
  }

  /** Takes the keys to drop now: beyond `max`, or finished more than `ttlMs` ago. */
  due(): K[] {
    const oldest = this.now() - this.retention.ttlMs;
    const out: K[] = [];
    for (const [key, at] of this.finishedAt) {
      if (this.finishedAt.size - out.length <= this.retention.max && at > oldest) break;
      out.push(key);
    }
    for (const key of out) this.finishedAt.delete(key);
    return out;
  }
}
