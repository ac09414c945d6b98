/**
 * 300 concurrent runs: 300 scripted runs at once, 1,000 events each, against one run of the same 300,000 events;
 * and tail polls made while the 300 run against the same polls on the engine once idle.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Engine } from "../src/engine/engine.js";
import {
  type Bench,
  benchEngine,
  count,
  duration,
  msSince,
  nowNs,
  percentileRows,
  rate,
  ratio,
  Scratch,
  spawnBurst,
  untilTerminal,
} from "./lib.js";

/** Poll requests fall due this often, whatever the engine is doing (an open loop, as clients would send them). */
const POLL_EVERY_MS = 5;
/** How early a poll's timer is set, so that its lateness does not count (setTimeout has 1 ms steps). */
const TIMER_SLACK_MS = 2;

interface Load {
  ms: number;
  /** Longest gap between two 1 ms status checks: how long the event loop was blocked at a stretch. */
  stallMs: number;
}

/** Spawns `runs` runs in one go, each bursting to `events` events in all. */
function spawnAll(engine: Engine, cwd: string, runs: number, events: number): string[] {
  return Array.from({ length: runs }, () => spawnBurst(engine, cwd, events));
}

/** Waits for every run to complete; each must hold `events` events. Times from `start`. */
async function settle(engine: Engine, runIds: string[], events: number, start: bigint): Promise<Load> {
  let stallMs = 0;
  for (const runId of runIds) {
    const { status, maxGapMs } = await untilTerminal(engine, runId);
    if (status !== "completed") throw new Error(`concurrent-runs: run ${runId} ended ${status}`);
    stallMs = Math.max(stallMs, maxGapMs);
  }
  const ms = msSince(start);
  for (const runId of runIds) {
    const last = engine.getRun(runId).last_seq;
    if (last !== events) throw new Error(`concurrent-runs: run ${runId} holds ${last} events, not ${events}`);
  }
  return { ms, stallMs };
}

/** The last 10 events of a run, as a client following it would ask for them. */
async function tailPoll(engine: Engine, runId: string): Promise<void> {
  const last = engine.getRun(runId).last_seq;
  const page = await engine.pollEvents({ run_id: runId, after_seq: Math.max(0, last - 10), limit: 10 });
  if (page.events.length === 0) throw new Error(`concurrent-runs: a tail poll of ${runId} returned nothing`);
}

/**
 * Resolves at `due` ms after `start`, or as soon after as the event loop allows. A timer alone fires up to a
 * millisecond late, which would swamp an idle poll's latency: it sleeps to just before and steps the rest on
 * setImmediate, which a blocked event loop holds up just as it would a request arriving on stdin.
 */
async function untilDue(start: bigint, due: number): Promise<void> {
  const early = due - msSince(start) - TIMER_SLACK_MS;
  if (early > 0) await sleep(early);
  while (msSince(start) < due) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Tail polls of `runIds` in turn, one falling due every POLL_EVERY_MS from `start`, until `done()`. Each one's
 * latency runs from when it fell due, not from when the event loop got round to it, so a poll held up by a
 * blocked loop counts its whole wait (no coordinated omission); polls that fell due meanwhile are made at once.
 */
async function pollOnSchedule(
  engine: Engine,
  runIds: string[],
  start: bigint,
  done: (made: number) => boolean,
): Promise<number[]> {
  const latencies: number[] = [];
  let due = 0;
  while (!done(latencies.length)) {
    await untilDue(start, due);
    while (due <= msSince(start)) {
      await tailPoll(engine, runIds[latencies.length % runIds.length] as string);
      latencies.push(msSince(start) - due);
      due += POLL_EVERY_MS;
    }
  }
  return latencies;
}

/** The concurrent load with polls made during it, then the same number of polls on the engine once idle. */
async function concurrent(runs: number, events: number) {
  const scratch = new Scratch();
  const engine = benchEngine(scratch.dir("conc-home"), undefined, { maxConcurrency: runs });
  try {
    const cwd = scratch.dir("conc-cwd");
    const start = nowNs();
    const runIds = spawnAll(engine, cwd, runs, events);
    const spawnMs = msSince(start);
    let finished = false;
    // Started after the spawn loop (the runs must exist), but due from `start`: polls due meanwhile wait.
    const busyPolls = pollOnSchedule(engine, runIds, start, () => finished);
    let result: Load;
    try {
      result = await settle(engine, runIds, events, start);
    } finally {
      finished = true;
    }
    const busy = await busyPolls;
    const idle = await pollOnSchedule(engine, runIds, nowNs(), (made) => made >= busy.length);
    return { ...result, spawnMs, busy, idle };
  } finally {
    await engine.shutdown();
    scratch.cleanup();
  }
}

/** The baseline: all the events in one run. */
async function single(events: number): Promise<Load> {
  const scratch = new Scratch();
  const engine = benchEngine(scratch.dir("conc-one-home"));
  try {
    const start = nowNs();
    const runIds = spawnAll(engine, scratch.dir("conc-one-cwd"), 1, events);
    return await settle(engine, runIds, events, start);
  } finally {
    await engine.shutdown();
    scratch.cleanup();
  }
}

export const concurrentRuns: Bench = async ({ quick }) => {
  const runs = quick ? 30 : 300;
  const events = quick ? 100 : 1_000;
  const total = runs * events;
  const one = await single(total);
  const many = await concurrent(runs, events);
  const manyRate = (total / many.ms) * 1000;
  const oneRate = (total / one.ms) * 1000;
  return {
    title: `${count(runs)} concurrent runs`,
    notes: [
      `Figure: ${count(runs)} scripted runs spawned in one loop on an engine with maxConcurrency ${count(runs)}, ` +
        `each bursting agent_message events to ${count(events)} events in all; time from the first spawnRun to ` +
        `the last run's completed status (the spawn loop alone took ${duration(many.spawnMs)}, ` +
        `${duration(many.spawnMs / runs)} a run). Baseline: one run of ${count(total)} events on a fresh engine.`,
      `The event loop was blocked for up to ${duration(many.stallMs)} at a stretch under the ${count(runs)} ` +
        `runs, and ${duration(one.stallMs)} under the one run.`,
      `Polls: a tail poll (getRun, then pollEvents({after_seq: last_seq - 10, limit: 10})) of each run in ` +
        `turn falls due every ${POLL_EVERY_MS} ms from the first spawnRun until all runs completed ` +
        `(${count(many.busy.length)} polls); its latency runs from when it fell due, so a poll that waited for a ` +
        "blocked event loop counts the wait. Baseline: as many polls on the same schedule once every run had " +
        "completed (idle engine; the runs are read from the store rather than from memory).",
    ],
    rows: [
      {
        name: `time to all completed (${count(total)} events)`,
        figure: duration(many.ms),
        baseline: duration(one.ms),
        ratio: ratio(many.ms, one.ms),
      },
      {
        name: "events per second",
        figure: rate(manyRate, "events"),
        baseline: rate(oneRate, "events"),
        ratio: ratio(manyRate, oneRate),
      },
      ...percentileRows((p) => `tail poll p${p}, during the load vs idle`, many.busy, many.idle),
    ],
  };
};
