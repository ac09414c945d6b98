/** `orchestration-mcp reindex [CWD...]`: rebuild the catalog from the run files. */
import type { Engine } from "../engine/engine.js";

export function reindexCommand(engine: Engine, cwds: string[]): number {
  const report = engine.reindex(cwds);
  process.stdout.write(`catalog rebuilt: ${report.runs} runs indexed\n`);
  for (const skip of report.skipped) process.stderr.write(`skipped ${skip.path}: ${skip.reason}\n`);
  return report.skipped.length === 0 ? 0 : 1;
}
