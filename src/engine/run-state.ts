/** The run state machine of CONTRACT.md: which status may follow which. */
import { OrchestratorError } from "../core/errors.js";
import type { RunStatus } from "../core/run.js";

const NEXT: Record<RunStatus, readonly RunStatus[]> = {
  queued: ["running", "cancelled", "failed"],
  running: ["input_required", "auth_required", "completed", "failed", "cancelled"],
  // queued again: the answer came while no slot was free (a waiting run gives its slot back).
  input_required: [
    "running",
    "queued",
    "input_required",
    "auth_required",
    "completed",
    "failed",
    "cancelled",
  ],
  auth_required: ["running", "queued", "input_required", "auth_required", "completed", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
};

export const canTransition = (from: RunStatus, to: RunStatus): boolean => NEXT[from].includes(to);

export function assertTransition(from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) {
    throw new OrchestratorError("conflict", `a run cannot go from ${from} to ${to}`);
  }
}
