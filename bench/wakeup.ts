/**
 * Long-poll wake-up: how soon a waiting pollEvents answers once a backend yields an event, against the floor of
 * the same handoff without the engine (a bare for-await loop resolving a waiting promise).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Backend, BackendRun, BackendRunSpec } from "../src/backends/types.js";
import type { AgentEvent } from "../src/events/types.js";
import {
  type Bench,
  benchEngine,
  duration,
  msSince,
  nowNs,
  num,
  percentileRows,
  Scratch,
  untilTerminal,
} from "./lib.js";

const WAIT_MS = 5_000;

/** Yields `count` agent messages `gapMs` apart, stamping process.hrtime just before each yield. */
class PacedBackend implements Backend {
  readonly name = "codex";
  readonly stamps: bigint[] = [];

  constructor(
    private readonly count: number,
    private readonly gapMs: number,
  ) {}

  start(spec: BackendRunSpec): BackendRun {
    const { count, gapMs, stamps } = this;
    async function* play(): AsyncGenerator<AgentEvent> {
      for (let i = 0; i < count; i++) {
        await sleep(gapMs);
        if (spec.signal.aborted) return;
        stamps[i] = nowNs();
        yield { type: "agent_message", data: { text: `tick ${i}`, i } };
      }
    }
    return { events: play(), cancel: async () => undefined };
  }
}

/** Wake-up latencies (ms) of a long-poller on a hosted run. */
async function throughEngine(count: number, gapMs: number): Promise<number[]> {
  const scratch = new Scratch();
  try {
    const backend = new PacedBackend(count, gapMs);
    const engine = benchEngine(scratch.dir("wake-home"), backend);
    const run = engine.spawnRun({
      backend: "codex",
      role: "worker",
      cwd: scratch.dir("wake-cwd"),
      prompt: "x",
    });
    const latencies: number[] = [];
    let after = 0;
    for (;;) {
      const asked = nowNs();
      const page = await engine.pollEvents({
        run_id: run.run_id,
        after_seq: after,
        wait_ms: WAIT_MS,
        limit: 100,
      });
      const answered = nowNs();
      const first = page.events[0];
      const i = first?.type === "agent_message" ? first.data.i : undefined;
      const stamp = typeof i === "number" ? backend.stamps[i] : undefined;
      // Only an event that arrived while the poll waited measures a wake-up.
      if (stamp !== undefined && stamp > asked) latencies.push(Number(answered - stamp) / 1e6);
      after = page.next_after_seq;
      if (page.status === "completed" || page.status === "failed") break;
    }
    await untilTerminal(engine, run.run_id);
    await engine.shutdown();
    return latencies;
  } finally {
    scratch.cleanup();
  }
}

/** The same handoff with no engine: a for-await loop over the backend hands each event to a waiting promise. */
async function bare(count: number, gapMs: number): Promise<number[]> {
  const backend = new PacedBackend(count, gapMs);
  const run = backend.start({
    run_id: "run_bare",
    session_id: "ses_bare",
    cwd: "/",
    role: "worker",
    backend_config: {},
    signal: new AbortController().signal,
    onBackendSession: () => undefined,
  });
  let deliver: ((event: AgentEvent | undefined) => void) | undefined;
  const pump = (async () => {
    for await (const event of run.events) deliver?.(event);
    deliver?.(undefined);
  })();
  const latencies: number[] = [];
  for (;;) {
    const event = await new Promise<AgentEvent | undefined>((resolve) => {
      deliver = resolve;
    });
    const answered = nowNs();
    if (!event) break;
    const stamp = backend.stamps[(event.data as Record<string, unknown>).i as number];
    if (stamp !== undefined) latencies.push(Number(answered - stamp) / 1e6);
  }
  await pump;
  return latencies;
}

export const wakeup: Bench = async ({ quick }) => {
  const count = quick ? 30 : 200;
  const gapMs = 20;
  const start = nowNs();
  const engine = await throughEngine(count, gapMs);
  const floor = await bare(count, gapMs);
  const totalMs = msSince(start);
  const rows = percentileRows((p) => `wake-up latency p${p}`, engine, floor);
  return {
    title: "Long-poll wake-up",
    notes: [
      `Figure: a hosted run whose backend (a PacedBackend defined in bench/wakeup.ts) yields ${count} ` +
        `agent messages ${gapMs} ms apart; a pollEvents({wait_ms: ${num(WAIT_MS)}}) is always waiting. ` +
        "Latency runs from process.hrtime just before the backend's yield to the poll promise resolving " +
        "(append: sanitize, seq, write, status; wake; re-read of the page). " +
        `${engine.length} wake-ups counted.`,
      "Baseline: the same backend with no engine: a for-await loop hands each event to a waiting promise, " +
        "the floor of an async-generator handoff in this process. It is a floor, not a target: the engine " +
        `must write the line and read it back. Both together took ${duration(totalMs)}.`,
    ],
    rows,
  };
};
