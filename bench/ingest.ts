/**
 * Ingest: events per second from a backend's stream to events.jsonl through the engine, against writing the
 * very same lines with fs.writeSync in one loop.
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { eventsFile } from "../src/store/paths.js";
import {
  type Bench,
  benchEngine,
  duration,
  msSince,
  nowNs,
  num,
  percentile,
  type Row,
  rate,
  ratio,
  Scratch,
  untilTerminal,
} from "./lib.js";

const REPEATS = 3;

interface Variant {
  label: string;
  events: number;
  /** Filler characters in each agent_message text. */
  bytes: number;
}

interface Measured {
  engineRate: number;
  rawRate: number;
  lineBytes: number;
  /** Longest event-loop delay seen while the run ingested, in ms. */
  stallMs: number;
}

async function measure(variant: Variant): Promise<Measured> {
  const scratch = new Scratch();
  try {
    const home = scratch.dir("ingest-home");
    const cwd = scratch.dir("ingest-cwd");
    const engine = benchEngine(home);
    const start = nowNs();
    const run = engine.spawnRun({
      backend: "codex",
      role: "worker",
      cwd,
      prompt: "bench",
      backend_config: { script: [{ burst: variant.events, bytes: variant.bytes }] },
    });
    const { status, maxGapMs } = await untilTerminal(engine, run.run_id);
    const engineMs = msSince(start);
    await engine.shutdown();
    if (status !== "completed") throw new Error(`ingest run ended ${status}`);

    const log = eventsFile(cwd, run.run_id);
    const size = statSync(log).size;
    const lines = readFileSync(log, "utf8").split("\n");
    lines.pop();
    for (let i = 0; i < lines.length; i++) lines[i] += "\n";
    const fd = openSync(join(scratch.dir("ingest-raw"), "events.jsonl"), "a");
    const rawStart = nowNs();
    for (const line of lines) writeSync(fd, line);
    const rawMs = msSince(rawStart);
    closeSync(fd);
    return {
      engineRate: (lines.length / engineMs) * 1000,
      rawRate: (lines.length / rawMs) * 1000,
      lineBytes: size / lines.length,
      stallMs: maxGapMs,
    };
  } finally {
    scratch.cleanup();
  }
}

export const ingest: Bench = async ({ quick }) => {
  const variants: Variant[] = [
    { label: "small", events: quick ? 20_000 : 200_000, bytes: 16 },
    { label: "1 KiB", events: quick ? 10_000 : 100_000, bytes: 1024 },
  ];
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const variant of variants) {
    const repeats: Measured[] = [];
    for (let i = 0; i < REPEATS; i++) repeats.push(await measure(variant));
    const median = (pick: (m: Measured) => number) => percentile(repeats.map(pick), 50);
    const m: Measured = {
      engineRate: median((r) => r.engineRate),
      rawRate: median((r) => r.rawRate),
      lineBytes: median((r) => r.lineBytes),
      stallMs: median((r) => r.stallMs),
    };
    notes.push(
      `${variant.label}: ${num(variant.events)} agent_message events of ${num(m.lineBytes)} bytes a line; ` +
        `the event loop stayed blocked for up to ${duration(m.stallMs)} while the run ingested.`,
    );
    rows.push({
      name: `${variant.label} messages (${num(variant.events)} events)`,
      figure: rate(m.engineRate, "events"),
      baseline: rate(m.rawRate, "events"),
      ratio: ratio(m.engineRate, m.rawRate),
    });
  }
  return {
    title: "Ingest",
    notes: [
      "Figure: a scripted run bursts agent_message events as fast as it can; time from spawnRun to the run's " +
        "completed status (sanitize, seq, JSON, writeSync, status bookkeeping, run.json/result.json at the end).",
      "Baseline: the same lines, read back from that run's events.jsonl, written with fs.writeSync to a fresh " +
        `file in one loop. Each figure is the median of ${REPEATS} rounds (engine, then raw).`,
      ...notes,
    ],
    rows,
  };
};
