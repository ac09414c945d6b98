/**
 * What every benchmark shares: temp dirs, an engine like the test fixture's, child processes under tsx, timing,
 * percentile rows and number formatting.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend } from "../src/backends/types.js";
import type { RunStatus } from "../src/core/run.js";
import { isTerminal } from "../src/core/run.js";
import { configFromEnv, type EngineConfig } from "../src/engine/config.js";
import { Engine } from "../src/engine/engine.js";
import { ScriptedBackend } from "../test/helpers/scripted-backend.js";

/** One line of a result table: the figure, the baseline measured in the same run, and figure/baseline. */
export interface Row {
  name: string;
  figure: string;
  baseline: string;
  ratio: string;
}

export interface BenchResult {
  title: string;
  /** What was measured, and how: printed above the table. */
  notes: string[];
  rows: Row[];
}

export interface BenchOptions {
  /** Smaller sizes, for a smoke run. */
  quick: boolean;
}

export type Bench = (options: BenchOptions) => Promise<BenchResult>;

/** Temporary directories of one benchmark; `cleanup` removes them all. */
export class Scratch {
  private readonly dirs: string[] = [];

  /** A new empty directory, canonical (realpath), so the engine stores it as given. */
  dir(prefix: string): string {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), `orch-bench-${prefix}-`)));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** An engine over `home` built the way test/helpers/engine-fixture.ts builds one (scripted backend as `codex`). */
export function benchEngine(
  home: string,
  backend: Backend = new ScriptedBackend("codex"),
  overrides: Partial<EngineConfig> = {},
): Engine {
  const config = { ...configFromEnv({}), home, cancelGraceMs: 2_000, ...overrides };
  return new Engine(config, new Map([[backend.name, backend]]));
}

/**
 * Runs a bench/ script in a fresh Node process under tsx (from the repository root) and parses the JSON it prints
 * on stdout: for what must not share this process's caches or memory high-water mark.
 */
export function runChild<T>(script: string, args: string[]): T {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const file = fileURLToPath(new URL(script, import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out) as T;
}

/** run_started, status_changed and run_completed come around a scripted burst. */
const ENGINE_EVENTS = 3;

/** Spawns a scripted run that holds exactly `events` events (agent messages of 16 bytes in between). */
export const spawnBurst = (engine: Engine, cwd: string, events: number): string =>
  engine.spawnRun({
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "bench",
    backend_config: { script: [{ burst: events - ENGINE_EVENTS, bytes: 16 }] },
  }).run_id;

/** A completed run of exactly `events` events, written through `engine`; throws if it ends otherwise. */
export async function writeBurstRun(engine: Engine, cwd: string, events: number): Promise<string> {
  const runId = spawnBurst(engine, cwd, events);
  const { status } = await untilTerminal(engine, runId);
  if (status !== "completed") throw new Error(`bench run ${runId} ended ${status}`);
  const lastSeq = engine.getRun(runId).last_seq;
  if (lastSeq !== events) throw new Error(`bench run ${runId}: expected ${events} events, it has ${lastSeq}`);
  return runId;
}

export const nowNs = (): bigint => process.hrtime.bigint();
export const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Resolves once the run is terminal, checking its in-memory status on 1 ms timers (no event reads, no
 * wake-ups); `maxGapMs` is the longest time between two checks, i.e. how long the event loop was blocked.
 */
export async function untilTerminal(
  engine: Engine,
  runId: string,
): Promise<{ status: RunStatus; maxGapMs: number }> {
  let maxGapMs = 0;
  let last = nowNs();
  for (;;) {
    const status = engine.getRun(runId).status;
    if (isTerminal(status)) return { status, maxGapMs };
    await new Promise((resolve) => setTimeout(resolve, 1));
    maxGapMs = Math.max(maxGapMs, msSince(last));
    last = nowNs();
  }
}

/** The value below which `p` percent of the samples fall (nearest rank). */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Times `fn` `iterations` times (after `warmup` untimed calls); returns each call's duration in ms. */
export async function sample(
  iterations: number,
  warmup: number,
  fn: () => unknown | Promise<unknown>,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = nowNs();
    await fn();
    out.push(msSince(start));
  }
  return out;
}

/** One row per percentile: the figure's and the baseline's latency at `p`, and their ratio. */
export function percentileRows(
  name: (p: number) => string,
  figure: number[],
  baseline: number[],
  percentiles: number[] = [50, 99],
): Row[] {
  return percentiles.map((p) => {
    const f = percentile(figure, p);
    const b = percentile(baseline, p);
    return { name: name(p), figure: duration(f), baseline: duration(b), ratio: ratio(f, b) };
  });
}

/** Three significant figures, grouped: 184321 → "184,000", 12.34 → "12.3", 0.05234 → "0.0523". */
export function num(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toPrecision(3)).toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** An exact count, grouped: 300 → "300", 300000 → "300,000". */
export const count = (n: number): string => n.toLocaleString("en-US");

export const rate = (perSecond: number, unit: string): string => `${num(perSecond)} ${unit}/s`;

/** A duration in ms shown in µs below 1 ms, in ms up to 10 s, in s beyond. */
export function duration(ms: number): string {
  if (ms < 1) return `${num(ms * 1000)} µs`;
  if (ms < 10_000) return `${num(ms)} ms`;
  return `${num(ms / 1000)} s`;
}

export const ratio = (figure: number, baseline: number): string => `${num(figure / baseline)}×`;

export const bytes = (n: number): string =>
  n >= 1 << 30
    ? `${num(n / (1 << 30))} GiB`
    : n >= 1 << 20
      ? `${num(n / (1 << 20))} MiB`
      : n >= 1024
        ? `${num(n / 1024)} KiB`
        : `${n} B`;
