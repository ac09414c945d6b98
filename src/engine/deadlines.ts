/**
 * The deadlines of one run: its wall time once it has started, its silence while it runs, and its wait for an
 * answer while it is input_required or auth_required. They follow the run's phase as its events arrive; one that
 * passes ends the run through the supervisor's stop path, as failed with code "timeout" and a message naming the
 * limit and its value. Waiting for input stops the silence clock and starts the answer clock.
 */
import { isTerminal, type RunLimits, type RunStatus } from "../core/run.js";
import type { EventType } from "../events/types.js";
import type { RunEnding } from "./supervisor.js";

/** Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer deadline is re-armed for the rest. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One deadline: `touch` moves it (cheaply, without re-arming a timer each time), `stop` drops it. */
class Deadline {
  private at: number;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly ms: number,
    private readonly expired: () => void,
  ) {
    this.at = Date.now() + ms;
    this.timer = this.arm(ms);
  }

  touch(): void {
    this.at = Date.now() + this.ms;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.check(), Math.min(ms, MAX_TIMER_MS));
    timer.unref();
    return timer;
  }

  private check(): void {
    const left = this.at - Date.now();
    if (left > 0) this.timer = this.arm(left);
    else this.expired();
  }
}

/** `requeued`: answered while parked, waiting for a slot to take the answer in (the wall clock alone runs). */
type Phase = "queued" | "running" | "waiting" | "requeued" | "ended";

export class RunDeadlines {
  private phase: Phase = "queued";
  private wall?: Deadline;
  private idle?: Deadline;
  private input?: Deadline;

  constructor(
    private readonly limits: RunLimits,
    private readonly expire: (ending: RunEnding) => void,
  ) {}

  /**
   * Follows the run after each of its events, given its status then. A status_changed that leaves a running run
   * running is a note (a retry, a warning, a rate limit), not a sign of progress: it does not hold off the silence
   * clock, so an agent that only retries is still stopped.
   */
  observe(status: RunStatus, type?: EventType): void {
    if (this.phase === "ended") return;
    if (isTerminal(status)) this.end();
    else if (status === "running" && type === "status_changed" && this.phase === "running") return;
    else if (status === "running") this.running();
    else if (status === "input_required" || status === "auth_required") this.waiting(status);
    else if (status === "queued" && this.phase !== "queued") this.requeued();
  }

  end(): void {
    this.phase = "ended";
    for (const deadline of [this.wall, this.idle, this.input]) deadline?.stop();
  }

  private running(): void {
    if (this.phase === "queued") {
      this.wall = this.start("timeout_s", (s) => `it was still running ${s} s after it started`);
    }
    if (this.phase === "waiting") this.stopInput();
    if (this.idle) this.idle.touch();
    else this.idle = this.start("idle_timeout_s", (s) => `the agent sent no event for ${s} s`);
    this.phase = "running";
  }

  private requeued(): void {
    this.stopInput();
    this.idle?.stop();
    this.idle = undefined;
    this.phase = "requeued";
  }

  private stopInput(): void {
    this.input?.stop();
    this.input = undefined;
  }

  private waiting(status: RunStatus): void {
    if (this.phase !== "waiting") {
      this.idle?.stop();
      this.idle = undefined;
      this.input = this.start("input_timeout_s", (s) => `nobody answered its ${status} within ${s} s`);
    }
    this.phase = "waiting";
  }

  private start(limit: keyof RunLimits, what: (seconds: number) => string): Deadline | undefined {
    const seconds = this.limits[limit];
    if (!(seconds > 0)) return undefined;
    return new Deadline(seconds * 1000, () => {
      if (this.phase === "ended") return;
      this.end();
      this.expire({
        type: "run_failed",
        data: {
          code: "timeout",
          message: `the run exceeded its ${limit} of ${seconds} s: ${what(seconds)} (limits.${limit} of spawn_run; continue_run resumes its session)`,
          limit,
          seconds,
        },
      });
    });
  }
}
