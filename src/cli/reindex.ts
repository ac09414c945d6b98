/** `reindex [CWD...]`: rebuilds the catalog from the run files (of every known cwd, and of the CWDs given). */
import { resolve } from "node:path";
import type { Engine } from "../engine/engine.js";
import { printJson, write } from "./output.js";
import { safeLine } from "./terminal-safe.js";

export async function reindex(engine: Engine, cwds: string[], options: { json?: boolean }): Promise<number> {
  const report = engine.reindex(cwds.map((cwd) => resolve(cwd)));
  if (options.json) await printJson(report);
  else {
    await write(process.stdout, `catalog rebuilt: ${report.runs} runs indexed\n`);
    // A run folder's name and what was wrong with its files come from inside a cwd.
    for (const skip of report.skipped)
      process.stderr.write(`${safeLine(`skipped ${skip.path}: ${skip.reason}`)}\n`);
  }
  return report.skipped.length === 0 ? 0 : 1;
}
