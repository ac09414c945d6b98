/**
 * Runs every benchmark in sequence and prints Markdown for BENCHMARKS.md on stdout (progress goes to stderr).
 * Usage: npm run bench [-- [--quick] [name ...]]; `--quick` shrinks every size for a smoke run.
 */
import { cpus, release, totalmem, type } from "node:os";
import { artifact } from "./artifact.js";
import { codexTurn } from "./codex-turn.js";
import { concurrentRuns } from "./concurrent-runs.js";
import { ingest } from "./ingest.js";
import { type Bench, type BenchResult, bytes, duration, msSince, nowNs } from "./lib.js";
import { listRuns } from "./list-runs.js";
import { mcpRoundtrip } from "./mcp-roundtrip.js";
import { pollTail } from "./poll-tail.js";
import { wakeup } from "./wakeup.js";

const BENCHES: [string, Bench][] = [
  ["ingest", ingest],
  ["poll-tail", pollTail],
  ["list-runs", listRuns],
  ["wakeup", wakeup],
  ["artifact", artifact],
  ["concurrent-runs", concurrentRuns],
  ["mcp-roundtrip", mcpRoundtrip],
  ["codex-turn", codexTurn],
];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const wanted = args.filter((arg) => !arg.startsWith("--"));
const unknown = wanted.filter((name) => !BENCHES.some(([known]) => known === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark ${unknown.join(", ")}; expected ${BENCHES.map(([n]) => n).join(", ")}\n`,
  );
  process.exit(2);
}
const selected = BENCHES.filter(([name]) => wanted.length === 0 || wanted.includes(name));
const flag = quick ? " --quick" : "";

/** A Markdown table with padded columns (as a Markdown formatter would lay it out); numbers right-aligned. */
function table(result: BenchResult): string[] {
  const cells = [
    ["measurement", "figure", "baseline", "ratio"],
    ...result.rows.map((row) => [row.name, row.figure, row.baseline, row.ratio]),
  ];
  const widths =
    cells[0]?.map((_, col) => Math.max(3, ...cells.map((line) => (line[col] ?? "").length))) ?? [];
  const pad = (text: string, col: number) =>
    col === 0 ? text.padEnd(widths[col] ?? 0) : text.padStart(widths[col] ?? 0);
  const line = (values: string[]) => `| ${values.map(pad).join(" | ")} |`;
  const rule = widths.map((width, col) => (col === 0 ? "-".repeat(width) : `${"-".repeat(width - 1)}:`));
  const [header, ...body] = cells;
  return [line(header ?? []), `| ${rule.join(" | ")} |`, ...body.map(line)];
}

const out: string[] = [];
const cpu = cpus();
out.push(
  `Machine: ${cpu[0]?.model.trim() ?? "unknown CPU"} × ${cpu.length} (os.cpus()), ${bytes(totalmem())} RAM, ` +
    `${type()} ${release()}, Node ${process.version}; run on ${new Date().toISOString()}` +
    `${quick ? " (--quick: reduced sizes, not for comparison)" : ""}.`,
  "",
);
const started = nowNs();
for (const [name, bench] of selected) {
  process.stderr.write(`bench: ${name}...\n`);
  const benchStart = nowNs();
  const result = await bench({ quick });
  process.stderr.write(`bench: ${name} took ${duration(msSince(benchStart))}\n`);
  out.push(
    `### ${result.title}`,
    "",
    `Command: \`npm run bench -- ${name}${flag}\``,
    "",
    ...result.notes.map((note) => `- ${note}`),
    "",
    ...table(result),
    "",
  );
}
const command = `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`;
out.push(`All of the above: \`${command}\`, ${duration(msSince(started))} in all.`);
process.stdout.write(`${out.join("\n")}\n`);
