/** Plays one hosted run from its start to its terminal event: the backend's stream in, numbered events out. */
import type { Backend } from "../backends/types.js";
import { errorMessage, OrchestratorError } from "../core/errors.js";
import { EVENT_TYPES, type EventData, type EventType, isTerminalEvent } from "../events/types.js";
import type { RunHandle } from "./run-handle.js";

/** Types only the engine writes: a backend never starts a run itself. */
const ENGINE_ONLY: readonly EventType[] = ["run_started"];
/** Longest the runs of this process may hold the event loop between turns given to I/O (polls, MCP answers). */
const SLICE_MS = 10;
let sliceStart = performance.now();
let nextTurn: Promise<void> | undefined;

/**
 * Runs whose events are all ready advance together on microtasks and never give the event loop a turn. The
 * slice is shared by every run: once it is spent, each run waits for the same next turn, and the slice restarts
 * when that turn begins, not when each run resumes (else N runs would hold the loop N slices long). After an idle
 * spell the first event takes one such turn: a hop, not a wait.
 */
function yieldIfSliceSpent(): Promise<void> | undefined {
  if (performance.now() - sliceStart < SLICE_MS) return undefined;
  nextTurn ??= new Promise((resolve) =>
    setImmediate(() => {
      sliceStart = performance.now();
      nextTurn = undefined;
      resolve();
    }),
  );
  return nextTurn;
}

export interface DriveContext {
  /** Looked up inside the run, so a backend that went missing fails the run rather than the caller. */
  backend(): Backend;
  /** The backend's conversation id to resume, read when the run starts (an earlier run may have set it). */
  resumeBackendSessionId(): string | undefined;
  onBackendSession(backendSessionId: string): void;
}

export async function driveRun(handle: RunHandle, context: DriveContext): Promise<void> {
  const record = handle.record;
  try {
    // Start on a later tick, so spawn_run answers with the run as recorded: queued.
    await Promise.resolve();
    await yieldIfSliceSpent();
    if (handle.cancelRequested || handle.terminal) return;
    handle.append("status_changed", { status: "running" });
    const run = context.backend().start({
      run_id: record.run_id,
      session_id: record.session_id,
      cwd: record.cwd,
      role: record.role,
      ...handle.input,
      resume_backend_session_id: handle.input.resume ? context.resumeBackendSessionId() : undefined,
      signal: handle.abort.signal,
      onBackendSession: (id) => context.onBackendSession(id),
    });
    handle.backendRun = run;
    for await (const event of run.events) {
      const turn = yieldIfSliceSpent();
      if (turn) await turn;
      if (handle.terminal) break;
      // After a cancel request the engine writes the terminal event itself, once the backend has stopped.
      if (handle.cancelRequested && isTerminalEvent(event.type)) continue;
      if (!EVENT_TYPES.includes(event.type) || ENGINE_ONLY.includes(event.type)) {
        process.stderr.write(
          `orchestration-mcp: ${record.backend} yielded an event of type ${event.type}; dropped\n`,
        );
        continue;
      }
      handle.append(event.type, event.data as EventData);
    }
    await yieldIfSliceSpent();
    if (!handle.cancelRequested) handle.append("run_completed", { final_response: handle.finalText });
  } catch (error) {
    if (!handle.cancelRequested) {
      handle.append("run_failed", {
        code: error instanceof OrchestratorError ? error.code : "backend_error",
        message: errorMessage(error),
      });
    }
  } finally {
    handle.markStreamEnded();
  }
}
