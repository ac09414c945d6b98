/**
 * The one stop path. cancel_run, a deadline and shutdown all end a live run here: a queued run ends at once; a
 * running one has its backend told to stop (abort signal, then the backend's own cancel, which ends its process
 * tree), and its ending is written once the backend has stopped or the grace period is over. A second stop of a
 * run that is stopping joins the first and resolves when the run has ended.
 */
import { settlesWithin } from "../core/within.js";
import type { RunHandle } from "./run-handle.js";
import type { Scheduler } from "./scheduler.js";

/** How a stopped run ends: its terminal event. */
export type RunEnding =
  | { type: "run_cancelled"; data: { reason: string } }
  | {
      type: "run_failed";
      data: { code: "timeout" | "interrupted" | "backend_error"; message: string; [key: string]: unknown };
    };

export class Supervisor {
  constructor(
    private readonly scheduler: Scheduler<RunHandle>,
    private readonly graceMs: number,
  ) {}

  /** Ends `handle` with `ending` (`queued`: the ending of a run that never started, when it differs). */
  stop(handle: RunHandle, ending: RunEnding, queued: RunEnding = ending): Promise<void> {
    if (handle.terminal) return Promise.resolve();
    // A run queued again after an answer (it was parked for input) has a live backend: that one is stopped.
    if (this.scheduler.remove(handle) && !handle.backendRun) {
      handle.append(queued.type, queued.data);
      return Promise.resolve();
    }
    handle.stopping ??= this.stopLive(handle, ending);
    return handle.stopping;
  }

  private async stopLive(handle: RunHandle, ending: RunEnding): Promise<void> {
    handle.cancelRequested = true;
    handle.abort.abort();
    const stopped = Promise.allSettled([handle.backendRun?.cancel(), handle.streamEnded]);
    const clean = await settlesWithin(stopped, this.graceMs);
    handle.append(ending.type, {
      ...ending.data,
      ...(clean ? {} : { warning: `the backend did not stop within ${this.graceMs} ms` }),
    });
  }
}
