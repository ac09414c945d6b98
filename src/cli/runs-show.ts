/** `runs show`: one run's state, result, error and pending input, readable or as get_run's JSON answer. */
import type { RunSummary } from "../core/run.js";
import type { Engine } from "../engine/engine.js";
import { age, bytes, columns, tildePath } from "./format.js";
import { type Paint, painter, printJson, write } from "./output.js";
import { paintStatus } from "./status.js";
import { safeLine, safeText } from "./terminal-safe.js";

export async function runsShow(engine: Engine, runId: string, options: { json?: boolean }): Promise<number> {
  const run = engine.getRun(runId);
  if (options.json) await printJson(run);
  else await write(process.stdout, `${describeRun(run, painter(process.stdout)).join("\n")}\n`);
  return 0;
}

const when = (iso: string | undefined): string => (iso ? `${iso} (${age(iso)} ago)` : "");

/** Every value taken from the run is made terminal-safe before our colours wrap it. */
export function describeRun(run: RunSummary, paint: Paint): string[] {
  const fields: [string, string | undefined][] = [
    ["run", run.run_id],
    ["status", paintStatus(paint, run.status)],
    ["backend", run.backend],
    ["role", run.role],
    ["session", run.session_id],
    ["cwd", tildePath(run.cwd)],
    ["created", when(run.created_at)],
    ["updated", when(run.updated_at)],
    ["completed", run.completed_at && when(run.completed_at)],
    ["previous run", run.previous_run_id],
    ["events", `${run.last_seq} (orchestration-mcp runs tail ${run.run_id} --from-start)`],
    ["summary", run.summary],
    ["metadata", run.metadata && JSON.stringify(run.metadata)],
  ];
  const lines = columns(
    fields
      .filter((f): f is [string, string] => Boolean(f[1]))
      .map(([k, v]) => [paint("dim", k), k === "status" ? v : safeLine(v)]),
  );
  if (run.result) {
    lines.push("", paint("bold", "result"), indent(safeText(run.result.final_response)));
    if (run.result.structured_output !== undefined) {
      lines.push(
        paint("dim", "structured output"),
        indent(safeText(JSON.stringify(run.result.structured_output, null, 2))),
      );
    }
    if (run.result.usage)
      lines.push(`${paint("dim", "usage")} ${safeLine(JSON.stringify(run.result.usage))}`);
    const refs = (run.result as { artifact_refs?: { field_path: string; total_bytes: number }[] })
      .artifact_refs;
    for (const ref of refs ?? []) {
      const path = safeLine(ref.field_path);
      lines.push(
        paint(
          "dim",
          safeLine(
            `${path} is cut (${bytes(ref.total_bytes)} in all): orchestration-mcp artifact get ${run.run_id} ${run.last_seq} ${path}`,
          ),
        ),
      );
    }
  }
  if (run.error) {
    const { code, message } = run.error;
    lines.push("", `${paint(["red", "bold"], "error")} ${safeText(`${code}: ${message}`)}`);
  }
  if (run.pending_input) {
    const { kind, text, ...rest } = run.pending_input;
    lines.push("", paint(["yellow", "bold"], `waits for ${safeLine(String(kind))}`));
    if (text) lines.push(indent(safeText(text)));
    if (Object.keys(rest).length > 0) lines.push(indent(safeLine(JSON.stringify(rest))));
    lines.push(
      safeLine(
        `answer: orchestration-mcp runs continue ${run.run_id} ${kind === "permission" ? "allow|deny" : '"<your answer>"'}`,
      ),
    );
  }
  return lines;
}

const indent = (text: string): string =>
  text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
