/**
 * The scenarios the test agents play, written once against a small protocol-neutral emitter; the 1.x and the 0.3
 * executors each map it onto their own event shapes. The first `[[kind]]` / `[[kind:arg]]` marker in the message
 * text picks the scenario:
 *
 * - `[[say:TEXT]]`   working (agent message "working on it"), artifact "final" = TEXT, completed.
 * - `[[artifacts]]`  artifacts "chunk-1", "chunk-2", "chunk-3" (one text part each; chunk-3 is 100 KB), completed.
 * - `[[input]]`      working, then INPUT_REQUIRED with the question "What is your name?".
 * - `[[auth]]`       AUTH_REQUIRED with "Please sign in".
 * - (follow-up)      a message without a marker on an input-/auth-required task: working, artifact "final" = the
 *                    message text verbatim, completed.
 * - `[[reject]]`     REJECTED with the status message "I will not do that".
 * - `[[fail]]`       working, then FAILED with the status message "something broke".
 * - `[[json]]`       artifact "final" with a data part `{answer: "42"}`, completed.
 * - `[[hang]]`       working ("hanging until canceled"), then waits for CancelTask (which publishes CANCELED).
 * - `[[slow]]`       starts in WORKING, completes ~500 ms later with "final" = "slow done".
 * - `[[echo-meta]]`  artifact "final" = JSON.stringify(message metadata ?? {}), completed.
 * - no marker        artifact "final" = "echo: TEXT", completed.
 */
import { bigText, type Scenario, sleep } from "./common.js";

export type StateName =
  | "submitted"
  | "working"
  | "input-required"
  | "auth-required"
  | "completed"
  | "failed"
  | "canceled"
  | "rejected";

export type NeutralPart = { text: string } | { data: Record<string, unknown> };

export interface ScenarioEmitter {
  status(state: StateName, message?: string): void;
  artifact(name: string, parts: NeutralPart[]): void;
  /** Resolves when CancelTask came in (the executor publishes CANCELED itself). */
  untilCanceled(): Promise<void>;
}

export const QUESTION = "What is your name?";
export const AUTH_PROMPT = "Please sign in";
export const FAILURE = "something broke";
export const REJECTION = "I will not do that";

/** The state the turn's opening task event carries. */
export function openingState(kind: string): StateName {
  return kind === "slow" || kind === "followup" ? "working" : "submitted";
}

export async function playScenario(
  scenario: Scenario,
  text: string,
  metadata: Record<string, unknown> | undefined,
  emit: ScenarioEmitter,
): Promise<void> {
  switch (scenario.kind) {
    case "say":
      emit.status("working", "working on it");
      emit.artifact("final", [{ text: scenario.arg ?? "" }]);
      emit.status("completed");
      return;
    case "artifacts":
      emit.status("working", "streaming artifacts");
      emit.artifact("chunk-1", [{ text: "first chunk" }]);
      await sleep(20);
      emit.artifact("chunk-2", [{ text: "second chunk" }]);
      await sleep(20);
      emit.artifact("chunk-3", [{ text: bigText() }]);
      emit.status("completed", "all artifacts sent");
      return;
    case "input":
      emit.status("working", "thinking");
      emit.status("input-required", QUESTION);
      return;
    case "auth":
      emit.status("auth-required", AUTH_PROMPT);
      return;
    case "followup":
      emit.status("working", "got your answer");
      emit.artifact("final", [{ text }]);
      emit.status("completed");
      return;
    case "reject":
      emit.status("rejected", REJECTION);
      return;
    case "fail":
      emit.status("working", "trying");
      emit.status("failed", FAILURE);
      return;
    case "json":
      emit.status("working");
      emit.artifact("final", [{ data: { answer: "42" } }]);
      emit.status("completed");
      return;
    case "hang":
      emit.status("working", "hanging until canceled");
      await emit.untilCanceled();
      return;
    case "slow":
      emit.status("working", "slow work started");
      await sleep(500);
      emit.artifact("final", [{ text: "slow done" }]);
      emit.status("completed");
      return;
    case "echo-meta":
      emit.artifact("final", [{ text: JSON.stringify(metadata ?? {}) }]);
      emit.status("completed");
      return;
    default:
      emit.artifact("final", [{ text: `echo: ${text}` }]);
      emit.status("completed");
  }
}
