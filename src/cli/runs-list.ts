/** `runs list`: the runs of every cwd, newest first, as a table or as list_runs' JSON answer. */
import { resolve } from "node:path";
import type { RunStatus, RunSummary } from "../core/run.js";
import type { Engine } from "../engine/engine.js";
import { age, clip, columns, tildePath } from "./format.js";
import { type Paint, painter, printJson, write } from "./output.js";
import { paintStatus } from "./status.js";
import { safeLine } from "./terminal-safe.js";

export interface ListOptions {
  status?: RunStatus;
  backend?: string;
  role?: string;
  cwd?: string;
  session?: string;
  limit?: number;
  cursor?: string;
  json?: boolean;
}

export async function runsList(engine: Engine, options: ListOptions): Promise<number> {
  const answer = engine.listRuns({
    status: options.status,
    backend: options.backend,
    role: options.role,
    cwd: options.cwd === undefined ? undefined : resolve(options.cwd),
    session_id: options.session,
    limit: options.limit,
    cursor: options.cursor,
  });
  if (options.json) {
    await printJson(answer);
    return 0;
  }
  const paint = painter(process.stdout);
  if (answer.runs.length === 0) {
    await write(process.stdout, `${paint("dim", "no runs")}\n`);
    return 0;
  }
  const lines = columns(
    [
      ["ID", "STATUS", "BACKEND", "ROLE", "AGE", "CWD", "SUMMARY"].map((h) => paint("bold", h)),
      ...answer.runs.map((run) => row(run, paint)),
    ],
    process.stdout.isTTY ? process.stdout.columns : undefined,
  );
  let text = `${lines.join("\n")}\n`;
  if (answer.next_cursor) text += paint("dim", `more runs: add --cursor ${answer.next_cursor}\n`);
  await write(process.stdout, text);
  return 0;
}

/** One run's cells, each terminal-safe and on one line (a newline in a role must not forge a row). */
function row(run: RunSummary, paint: Paint): string[] {
  return [
    safeLine(run.run_id),
    paintStatus(paint, run.status),
    safeLine(run.backend),
    safeLine(run.role),
    age(run.created_at),
    safeLine(tildePath(run.cwd)),
    clip(safeLine(run.summary ?? run.error?.message ?? ""), 100),
  ];
}
