/**
 * A fresh process for bench/artifact.ts, one side of the comparison each, so that its peak RSS (maxRSS, a
 * process-wide high-water mark) holds that side only. Both sides load the same modules, build the same ASCII
 * payload before the clock starts, then time its trip to disk:
 *   engine <bytes> <home> <cwd>: one hosted run whose backend yields a command_finished with the payload as stdout;
 *   write <bytes> <file>: fs.writeFileSync of the payload.
 * Prints a ChildReport as JSON on stdout.
 */
import { writeFileSync } from "node:fs";
import type { Backend, BackendRun } from "../src/backends/types.js";
import type { AgentEvent } from "../src/events/types.js";
import { benchEngine, msSince, nowNs, untilTerminal } from "./lib.js";

export interface ChildReport {
  ms: number;
  /** maxRSS in bytes once the modules are loaded, before the payload exists. */
  startRss: number;
  peakRss: number;
  /** Engine side only: the run that holds the payload, and the longest event-loop stall while it went on. */
  runId?: string;
  stallMs?: number;
}

/** Yields one prebuilt event: the payload is made before the clock starts, as on the write side. */
class OneEventBackend implements Backend {
  readonly name = "codex";

  constructor(private readonly event: AgentEvent) {}

  start(): BackendRun {
    const { event } = this;
    async function* play(): AsyncGenerator<AgentEvent> {
      yield event;
    }
    return { events: play(), cancel: async () => undefined };
  }
}

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

/**
 * `bytes` of command-output-like ASCII lines, as one flat V8 string (one byte a character): `repeat` makes a
 * rope of a few nodes and `slice` flattens it once, so building it never holds more than one copy.
 */
function payload(bytes: number): string {
  const line = "drwxr-xr-x  2 bench bench 4096 Nov 25 12:00 some/path/in/a/listing\n";
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

async function throughEngine(
  text: string,
  home: string,
  cwd: string,
): Promise<Omit<ChildReport, "startRss">> {
  const event: AgentEvent = {
    type: "command_finished",
    data: { command: "cat big", exit_code: 0, stdout: text },
  };
  const engine = benchEngine(home, new OneEventBackend(event));
  const start = nowNs();
  const run = engine.spawnRun({ backend: "codex", role: "worker", cwd, prompt: "bench" });
  const { status, maxGapMs } = await untilTerminal(engine, run.run_id);
  const ms = msSince(start);
  await engine.shutdown();
  if (status !== "completed") throw new Error(`artifact run ended ${status}`);
  return { ms, peakRss: maxRss(), runId: run.run_id, stallMs: maxGapMs };
}

function throughWriteFile(text: string, file: string): Omit<ChildReport, "startRss"> {
  const start = nowNs();
  writeFileSync(file, text);
  return { ms: msSince(start), peakRss: maxRss() };
}

const [mode = "", size = "", first = "", second = ""] = process.argv.slice(2);
if (mode !== "engine" && mode !== "write") throw new Error(`artifact-child: unknown mode ${mode}`);
const startRss = maxRss();
const text = payload(Number(size));
const measured = mode === "engine" ? await throughEngine(text, first, second) : throughWriteFile(text, first);
const report: ChildReport = { startRss, ...measured };
process.stdout.write(`${JSON.stringify(report)}\n`);
