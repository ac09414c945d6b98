/**
 * What the demo's top-level agent does for each run, the way an agent uses the tools: long-poll its events,
 * answer it through continue_run when it asks for input, stop at its end.
 */
import { type DemoEvent, describePending } from "./describe.js";
import type { DemoClient } from "./mcp-client.js";
import type { DemoRunPlan } from "./plan.js";
import type { Progress } from "./progress.js";

export const ENDED_STATUSES = ["completed", "failed", "cancelled"];

interface Poll {
  status: string;
  events: DemoEvent[];
  next_after_seq: number;
  has_more: boolean;
}

export interface RunView {
  run_id: string;
  status: string;
  pending_input?: Record<string, unknown>;
  result?: { final_response?: unknown };
  error?: { code: string; message: string };
}

/** What happened to one run, beyond its record. */
export interface Followed {
  /** The input requests answered, e.g. `permission: Bash touch REVIEWED.md → allow`. */
  answered: string[];
}

/** Follows the run until it ends, or until `signal` aborts (then it returns early, the run still going). */
export async function followRun(
  client: DemoClient,
  runId: string,
  plan: DemoRunPlan,
  row: number,
  progress: Progress,
  signal: AbortSignal,
): Promise<Followed> {
  const answered: string[] = [];
  let after = 0;
  while (!signal.aborted) {
    const page = await client.call<Poll>(
      "poll_events",
      { run_id: runId, after_seq: after, wait_ms: 5_000, limit: 1000 },
      signal,
    );
    for (const event of page.events) progress.event(row, event);
    progress.status(row, page.status);
    after = page.next_after_seq;
    if (ENDED_STATUSES.includes(page.status) && !page.has_more) break;
    if (page.status === "input_required" && !page.has_more) {
      const run = await client.call<RunView>("get_run", { run_id: runId }, signal);
      if (run.status !== "input_required") continue;
      const asks = describePending(run.pending_input ?? {});
      if (plan.answer === undefined || answered.length >= 3) {
        progress.note(row, `asks ${asks}, which the demo does not expect: cancel_run`);
        await client.call("cancel_run", { run_id: runId }, signal);
        continue;
      }
      progress.note(row, `asks ${asks} → continue_run "${plan.answer}"`);
      await client.call("continue_run", { run_id: runId, prompt: plan.answer }, signal);
      answered.push(`${asks} → ${plan.answer}`);
    }
  }
  return { answered };
}
