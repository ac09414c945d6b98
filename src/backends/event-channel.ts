/** A push-to-pull queue: several producers (an SDK stream, a permission callback) feed one event stream. */

export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting?: () => void;
  private closed = false;
  private failure?: { error: unknown };

  push(item: T): void {
    if (this.closed) return;
    this.buffer.push(item);
    this.wake();
  }

  /** No more items; a pending or later read ends (or throws `error` once the buffer is drained). */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) this.failure = { error };
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.buffer.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.closed) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }
}
