/**
 * One backend turn bound to one A2A task: it plays the backend's events onto the task's event bus, pauses on
 * requests for input (the task's next message answers them), and ends the task once, completed, failed or
 * cancelled. A turn outlives the `execute` call that started it: it keeps running while the task waits.
 */
import { type Part, TaskState } from "@a2a-js/sdk";
import type { ExecutionEventBus } from "@a2a-js/sdk/server";
import type { BackendRun } from "../backends/types.js";
import { errorMessage, OrchestratorError } from "../core/errors.js";
import type { InputMessage } from "../core/run.js";
import { settlesWithin } from "../core/within.js";
import { agentMessage, artifactEvent, dataPart, statusEvent, type TaskRef, textPart } from "./a2a-message.js";
import { EventMapper, type Update } from "./map-event.js";

const TERMINAL = [TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED];
const PAUSES = [TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED];

export class Turn {
  /** The bus of the task's latest request; the SDK keeps one per task while the task is not finished. */
  bus: ExecutionEventBus;
  readonly abort = new AbortController();
  private run?: BackendRun;
  private state: "working" | "waiting" | "ended" = "working";
  /** The request the task waits on, kept to show it again when an answer is refused. */
  private pending?: Extract<Update, { kind: "status" }>;
  private cancelled = false;
  private readonly mapper = new EventMapper();
  private waiters: (() => void)[] = [];

  constructor(
    readonly ref: TaskRef,
    bus: ExecutionEventBus,
    /** Called once when the task has ended (its conversation may start another turn). */
    private readonly onEnd: () => void,
  ) {
    this.bus = bus;
  }

  get waiting(): boolean {
    return this.state === "waiting";
  }

  /** Plays `run` to its end (in the background: follow `untilPause`). */
  play(run: BackendRun): void {
    this.run = run;
    void this.pump(run);
  }

  /** Resolves when the task next waits for input or has ended. */
  untilPause(): Promise<void> {
    if (this.state !== "working") return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Gives the waiting backend its answer; a refused answer leaves the task waiting, saying why. */
  async answer(message: InputMessage): Promise<void> {
    const pending = this.pending;
    if (this.state !== "waiting" || !pending) {
      throw new OrchestratorError("conflict", "this task is not waiting for input");
    }
    this.state = "working";
    this.pending = undefined;
    try {
      if (!this.run?.sendInput) {
        throw new OrchestratorError("invalid_input", "this backend cannot take input during a turn");
      }
      await this.run.sendInput(message);
    } catch (error) {
      if (this.state === "working") this.ask(pending, `Your answer was not taken: ${errorMessage(error)}`);
      throw error;
    }
  }

  /** Leaves the input undelivered and says why: a waiting task shows its request again, a working one a note. */
  refuse(note: string): void {
    if (this.state === "waiting" && this.pending) this.ask(this.pending, note);
    else if (this.state === "working") {
      this.bus.publish(statusEvent(this.ref, TaskState.TASK_STATE_WORKING, this.message(note)));
    }
  }

  /** Stops the backend (waiting at most `graceMs` for it) and ends the task as cancelled. */
  async cancel(bus: ExecutionEventBus, graceMs: number, reason = "Cancelled by the caller."): Promise<void> {
    if (!this.cancelled && this.state !== "ended") {
      this.cancelled = true;
      this.abort.abort();
      const stopped = this.run?.cancel().catch(() => undefined);
      if (stopped) await settlesWithin(stopped, graceMs);
    }
    // Published even when the turn had just ended: CancelTask waits for a terminal event on the bus.
    bus.publish(statusEvent(this.ref, TaskState.TASK_STATE_CANCELED, this.message(reason)));
    this.end();
  }

  /** Ends the task as failed before the backend ever ran. */
  fail(message: string, code = "backend_error"): void {
    this.publish({
      kind: "status",
      state: TaskState.TASK_STATE_FAILED,
      parts: [textPart(message), dataPart({ code, message })],
      event: "run_failed",
    });
  }

  private async pump(run: BackendRun): Promise<void> {
    try {
      for await (const event of run.events) {
        // After the end (or a cancel) the backend is drained, not shown.
        if (this.cancelled || this.state === "ended") continue;
        for (const update of this.mapper.map(event)) this.publish(update);
      }
      if (!this.cancelled && this.state !== "ended") {
        for (const update of this.mapper.completedWithoutResult()) this.publish(update);
      }
    } catch (error) {
      if (!this.cancelled && this.state !== "ended") {
        this.fail(errorMessage(error), error instanceof OrchestratorError ? error.code : "backend_error");
      }
    } finally {
      // A cancel ends the task itself, once CANCELED is out.
      if (!this.cancelled) this.end();
    }
  }

  private publish(update: Update): void {
    if (this.state === "ended") return;
    if (update.kind === "artifact") {
      this.bus.publish(artifactEvent(this.ref, update.artifact));
      return;
    }
    if (PAUSES.includes(update.state)) {
      this.ask(update);
      return;
    }
    const message = update.parts.length > 0 ? this.message(update.parts, update.event) : undefined;
    this.bus.publish(statusEvent(this.ref, update.state, message));
    if (TERMINAL.includes(update.state)) this.end();
  }

  /** Shows a request for input (again, with `note` before it when an answer was refused) and pauses. */
  private ask(update: Extract<Update, { kind: "status" }>, note?: string): void {
    const parts = note ? [textPart(note), ...update.parts] : update.parts;
    this.state = "waiting";
    this.pending = update;
    this.bus.publish(statusEvent(this.ref, update.state, this.message(parts, update.event)));
    this.wake();
  }

  private message(content: string | Part[], event?: string) {
    const parts = typeof content === "string" ? [textPart(content)] : content;
    return agentMessage(this.ref, parts, event ? { event_type: event } : undefined);
  }

  private end(): void {
    if (this.state === "ended") return;
    this.state = "ended";
    this.onEnd();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
