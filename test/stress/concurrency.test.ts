/**
 * Concurrency: 300 scripted runs at once with 1,000 events each, on one in-process engine. Every run's log must
 * come out whole (seq 1..n, exactly the events its script emitted, in order, one terminal event, last), the
 * long-poller following each run must see exactly that log, and poll answers must stay fast while every run
 * writes. Poll latencies are printed; only a bound that catches pathologies is asserted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isTerminal } from "../../src/core/run.js";
import type { Engine } from "../../src/engine/engine.js";
import type { RunEvent } from "../../src/events/types.js";
import { allEvents, makeEngine, spawnScript } from "../helpers/engine-fixture.js";
import { Latencies } from "../helpers/latency.js";
import { prng } from "../helpers/prng.js";
import type { Step } from "../helpers/scripted-backend.js";
import { sized } from "../helpers/stress.js";

const RUNS = sized(300, 600);
const EVENTS = sized(1_000, 2_000);
const SEED = 20260301;
/** Far above a healthy poll even on a busy machine; a lost wake-up or a scan of the whole log goes beyond it. */
const P99_BOUND_MS = 1_000;

interface Plan {
  bursts: number[];
  bytes: number;
  script: Step[];
}

/** Bursts of random sizes adding up to EVENTS, with sleeps between: each run its own sizes and text width. */
function plan(index: number): Plan {
  const random = prng(SEED + index);
  const bursts: number[] = [];
  for (let left = EVENTS; left > 0; ) {
    const burst = Math.min(left, 20 + Math.floor(random() * 60));
    bursts.push(burst);
    left -= burst;
  }
  const bytes = 8 + (index % 24);
  const script: Step[] = bursts.flatMap((burst) => [
    { burst, bytes },
    { sleep: 10 + Math.floor(random() * 30) },
  ]);
  return { bursts, bytes, script };
}

/** One line per event with what identifies it: its seq, type and, for a message, the burst's text. */
const describe = (event: RunEvent): string =>
  `${event.seq} ${event.type}${event.type === "agent_message" ? ` ${String(event.data.text)}` : ""}`;

/** The lines of the log a plan must produce: start, running, every burst's messages in order, completion. */
function expectedLog(p: Plan): string[] {
  const pad = "x".repeat(p.bytes);
  const texts = p.bursts.flatMap((burst) => Array.from({ length: burst }, (_, i) => `${i} ${pad}`));
  return [
    "1 run_started",
    "2 status_changed",
    ...texts.map((text, i) => `${i + 3} agent_message ${text}`),
    `${texts.length + 3} run_completed`,
  ];
}

/** Fails at the first line that differs, rather than printing two logs of a thousand lines. */
function assertLog(runId: string, events: RunEvent[], expected: string[]): void {
  const actual = events.map(describe);
  const at = actual.findIndex((line, i) => line !== expected[i]);
  if (at !== -1 || actual.length !== expected.length) {
    const i = at === -1 ? Math.min(actual.length, expected.length) : at;
    assert.fail(
      `run ${runId}: ${actual.length} events, expected ${expected.length}; first difference at index ${i}: ` +
        `got ${JSON.stringify(actual[i])}, expected ${JSON.stringify(expected[i])}`,
    );
  }
  const strangers = events.filter((event) => event.run_id !== runId);
  assert.equal(strangers.length, 0, `run ${runId} holds events of ${strangers[0]?.run_id}`);
}

/**
 * Long-polls a run from the start to its end. A poll's latency is counted from when it could first answer: its
 * call when events were already there, else the append of the first event it returns.
 */
async function follow(engine: Engine, runId: string, latencies: Latencies, empty: { polls: number }) {
  const seen: RunEvent[] = [];
  let after = 0;
  for (;;) {
    const asked = Date.now();
    const page = await engine.pollEvents({ run_id: runId, after_seq: after, wait_ms: 5_000, limit: 100 });
    const first = page.events[0];
    if (first) latencies.add(Date.now() - Math.max(asked, Date.parse(first.ts)));
    else empty.polls++;
    seen.push(...page.events);
    after = page.next_after_seq;
    if (isTerminal(page.status) && !page.has_more) return seen;
  }
}

test(`Concurrency: ${RUNS} scripted runs at once with ${EVENTS} events each: all events intact, poll answers stay fast`, {
  timeout: sized(180_000, 900_000),
}, async () => {
  const f = makeEngine({ maxConcurrency: RUNS });
  const latencies = new Latencies("poll_events latency (in-process, long-poll)");
  const empty = { polls: 0 };
  const plans = Array.from({ length: RUNS }, (_, i) => plan(i));
  const started = Date.now();
  const runIds = plans.map((p) => spawnScript(f, p.script).run_id);
  const seen = await Promise.all(runIds.map((runId) => follow(f.engine, runId, latencies, empty)));
  console.log(`${RUNS} runs x ${EVENTS} events ended in ${Date.now() - started} ms`);
  console.log(`${latencies}; ${empty.polls} polls came back empty`);

  assert.equal(f.backend.maxActive, RUNS, "every run was live at the same time");
  for (const [i, runId] of runIds.entries()) {
    const run = f.engine.getRun(runId);
    assert.equal(run.status, "completed", `run ${runId}: ${JSON.stringify(run.error)}`);
    const expected = expectedLog(plans[i] as Plan);
    assert.equal(run.last_seq, expected.length, `run ${runId}: last_seq`);
    const stored = await allEvents(f.engine, runId);
    assertLog(runId, stored, expected);
    assert.deepEqual(seen[i], stored, `run ${runId}: the poller saw what a full read returns`);
  }
  await f.engine.shutdown();
  assert.ok(latencies.percentile(99) < P99_BOUND_MS, `${latencies}`);
});
