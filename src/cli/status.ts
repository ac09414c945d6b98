/** Run statuses as the command line shows them, and the exit codes that report how a run ended. */
import type { RunStatus } from "../core/run.js";
import type { Paint } from "./output.js";
import { safeLine } from "./terminal-safe.js";

/** Exit codes of `runs tail` (and of `runs continue` when it follows a new run). */
export const RUN_EXIT = {
  completed: 0,
  failed: 1,
  cancelled: 2,
  /** The run waits for input or authorization: answer it with `runs continue`. */
  waiting: 3,
  /** The run could not be followed (no such run, a store error). */
  error: 4,
} as const;

export const isWaiting = (status: RunStatus): boolean =>
  status === "input_required" || status === "auth_required";

export function exitCodeFor(status: RunStatus): number {
  if (status === "completed") return RUN_EXIT.completed;
  if (status === "failed") return RUN_EXIT.failed;
  if (status === "cancelled") return RUN_EXIT.cancelled;
  if (isWaiting(status)) return RUN_EXIT.waiting;
  return RUN_EXIT.error;
}

/** A status read back from a run's files may be anything: an unknown one is shown terminal-safe. */
export function paintStatus(paint: Paint, status: RunStatus): string {
  switch (status) {
    case "completed":
      return paint("green", status);
    case "failed":
      return paint("red", status);
    case "cancelled":
      return paint("gray", status);
    case "running":
      return paint("cyan", status);
    case "input_required":
    case "auth_required":
      return paint(["yellow", "bold"], status);
    default:
      return paint("dim", safeLine(status));
  }
}
