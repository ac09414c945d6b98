/** The demo's closing words: each run's end and answer, where the files are, how to look again. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runsDir } from "../store/paths.js";
import type { Followed, RunView } from "./follow.js";
import type { DemoRunPlan } from "./plan.js";
import { workspaceFiles } from "./workspace.js";

export interface RunOutcome {
  plan: DemoRunPlan;
  run: RunView;
  followed?: Followed;
  /** Why the top-level agent lost track of the run, when it did. */
  problem?: string;
}

export interface ReportInput {
  outcomes: RunOutcome[];
  workspace: string;
  catalogHome: string;
  /** ORCHESTRATOR_HOME was set by the caller (the CLI and the dashboard need it too). */
  catalogFromEnv: boolean;
  outsideAttempts: string[];
  seconds: number;
}

const FINAL_LINES = 6;
const LINE_CHARS = 160;

/** The lines of the report, and whether every run reached its expected end. */
export function report(input: ReportInput): { lines: string[]; ok: boolean } {
  const lines: string[] = ["", `Results (${input.seconds.toFixed(1)} s)`];
  const width = Math.max(...input.outcomes.map((o) => o.plan.label.length));
  let ok = true;
  for (const { plan, run, followed, problem } of input.outcomes) {
    const missing =
      run.status === "completed" && plan.makes && !existsSync(join(input.workspace, plan.makes))
        ? plan.makes
        : undefined;
    const good = run.status === "completed" && !problem && !missing;
    ok &&= good;
    lines.push(
      `  ${good ? "✔" : "✘"} ${plan.label.padEnd(width)}  ${plan.backend} run ${run.run_id}: ${run.status}`,
    );
    for (const answer of followed?.answered ?? []) lines.push(`      answered ${answer} (continue_run)`);
    if (run.result && typeof run.result.final_response === "string") {
      lines.push("      final_response:");
      lines.push(...clip(run.result.final_response).map((l) => `        ${l}`));
    }
    if (run.error) lines.push(`      error: ${run.error.code}: ${run.error.message}`);
    if (problem) lines.push(`      problem: ${problem}`);
    if (missing) lines.push(`      problem: ${missing} is not in the workspace`);
  }
  lines.push(
    "",
    input.outsideAttempts.length === 0
      ? "Network: no request left 127.0.0.1."
      : `Network: blocked attempts to reach ${input.outsideAttempts.join(", ")}`,
    "",
    "Where the files are",
    `  workspace  ${input.workspace}  (${workspaceFiles(input.workspace).join(", ")})`,
    `  run store  ${join(runsDir(input.workspace), "<run_id>")}/  (run.json, events.jsonl, result.json)`,
    `  catalog    ${join(input.catalogHome, "catalog.db")}  (every run of every cwd)`,
    "",
    "Look at the runs from the command line",
    `  ${input.catalogFromEnv ? `ORCHESTRATOR_HOME=${input.catalogHome} ` : ""}npx orchestration-mcp runs list --cwd ${input.workspace}`,
    "  npx orchestration-mcp runs show <run_id>     npx orchestration-mcp runs tail <run_id> --from-start",
    "",
    "See them in the dashboard",
    `  ${input.catalogFromEnv ? `ORCHESTRATOR_HOME=${input.catalogHome} ` : ""}npx orchestration-mcp dashboard`,
    "",
    ok
      ? `Demo finished: all ${input.outcomes.length} runs completed. The workspace is kept; remove it when done.`
      : "Demo failed: not every run reached its expected end (see above).",
  );
  return { lines, ok };
}

/** The first lines of a text, each cut to a readable length. */
function clip(text: string): string[] {
  const all = text.trimEnd().split("\n");
  const shown = all
    .slice(0, FINAL_LINES)
    .map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l));
  if (all.length > FINAL_LINES) shown.push(`… (${all.length - FINAL_LINES} more lines)`);
  return shown;
}
