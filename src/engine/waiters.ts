/** Long-poll waiters, woken by the append itself rather than by a timer loop. */

export class Waiters {
  private readonly byRun = new Map<string, Set<() => void>>();

  /** Resolves on the next wake of this run, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(runId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      let set = this.byRun.get(runId);
      if (!set) {
        set = new Set();
        this.byRun.set(runId, set);
      }
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        waiters.delete(done);
        if (waiters.size === 0 && this.byRun.get(runId) === waiters) this.byRun.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      waiters.add(done);
    });
  }

  wake(runId: string): void {
    const set = this.byRun.get(runId);
    if (!set) return;
    for (const done of [...set]) done();
  }

  count(runId: string): number {
    return this.byRun.get(runId)?.size ?? 0;
  }
}
