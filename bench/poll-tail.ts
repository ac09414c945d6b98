/**
 * Poll at the tail: pollEvents for the last 10 events of a long run against a short one. A read after
 * `after_seq` should cost what it returns, not the length of the run.
 */
import { statSync } from "node:fs";
import type { Engine } from "../src/engine/engine.js";
import { eventsFile } from "../src/store/paths.js";
import {
  type Bench,
  benchEngine,
  bytes,
  duration,
  msSince,
  nowNs,
  num,
  percentile,
  percentileRows,
  ratio,
  runChild,
  Scratch,
  sample,
  writeBurstRun,
} from "./lib.js";

const COLD_REPEATS = 3;

interface Subject {
  runId: string;
  lastSeq: number;
  logBytes: number;
  writeMs: number;
}

async function writeRun(engine: Engine, cwd: string, events: number): Promise<Subject> {
  const start = nowNs();
  const runId = await writeBurstRun(engine, cwd, events);
  const writeMs = msSince(start);
  return { runId, lastSeq: events, logBytes: statSync(eventsFile(cwd, runId)).size, writeMs };
}

/** Median first-poll time over a few fresh processes (each builds the index from the file). */
function coldPoll(home: string, runId: string, warmupRunId: string): number {
  const runs = Array.from(
    { length: COLD_REPEATS },
    () => runChild<{ firstMs: number }>("./cold-poll-child.ts", [home, runId, warmupRunId]).firstMs,
  );
  return percentile(runs, 50);
}

export const pollTail: Bench = async ({ quick }) => {
  const bigCount = quick ? 100_000 : 1_000_000;
  const iterations = quick ? 500 : 5_000;
  const scratch = new Scratch();
  try {
    const home = scratch.dir("poll-home");
    const cwd = scratch.dir("poll-cwd");
    const engine = benchEngine(home);
    const warmup = await writeRun(engine, cwd, 100);
    const small = await writeRun(engine, cwd, 100);
    const big = await writeRun(engine, cwd, bigCount);

    const tail = (subject: Subject) => async () => {
      const page = await engine.pollEvents({
        run_id: subject.runId,
        after_seq: subject.lastSeq - 10,
        limit: 10,
      });
      if (page.events.length !== 10) throw new Error(`tail poll returned ${page.events.length}`);
    };
    // Alternate the two in blocks so drift in the machine's state hits both alike.
    const smallMs: number[] = [];
    const bigMs: number[] = [];
    await sample(0, 200, tail(small));
    await sample(0, 200, tail(big));
    for (let block = 0; block < 10; block++) {
      smallMs.push(...(await sample(iterations / 10, 0, tail(small))));
      bigMs.push(...(await sample(iterations / 10, 0, tail(big))));
    }
    await engine.shutdown();

    const coldSmall = coldPoll(home, small.runId, warmup.runId);
    const coldBig = coldPoll(home, big.runId, warmup.runId);
    const rows = percentileRows((p) => `tail poll p${p} (${num(iterations)} polls)`, bigMs, smallMs);
    rows.push({
      name: `first poll in a fresh process (index build), median of ${COLD_REPEATS}`,
      figure: duration(coldBig),
      baseline: duration(coldSmall),
      ratio: ratio(coldBig, coldSmall),
    });
    return {
      title: "Poll at the tail",
      notes: [
        `Figure: a finished run of ${num(big.lastSeq)} events (${bytes(big.logBytes)} of events.jsonl, ` +
          `written through the engine in ${duration(big.writeMs)}); baseline: a finished run of ` +
          `${num(small.lastSeq)} events.`,
        "Each poll is pollEvents({after_seq: last_seq - 10, limit: 10}) and returns 10 events; the two runs " +
          "are polled alternately in blocks, after 200 untimed warm-up polls each.",
        "First poll: a child process (bench/cold-poll-child.ts) opens an engine over the same home, polls " +
          "a third 100-event run untimed (to pay the process's first-call costs), then times its first tail " +
          "poll of the run, which builds that log's line index from the file: the index cache is " +
          "module-level, so only a new process starts without it. The OS page cache is warm (just written).",
      ],
      rows,
    };
  } finally {
    scratch.cleanup();
  }
};
