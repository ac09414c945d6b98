import assert from "node:assert/strict";
import { test } from "node:test";
import type { Engine } from "../../src/engine/engine.js";
import { allEvents, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { prng } from "../helpers/prng.js";
import type { Step } from "../helpers/scripted-backend.js";

const ENDED = ["completed", "failed", "cancelled"] as const;

test("seq stays 1..n with one terminal event last while cancel, continue and backend events race", async () => {
  const f = makeEngine({ maxConcurrency: 16, cancelGraceMs: 500 });
  const random = prng(20261125);
  const iterations = Number(process.env.RACE_ITERATIONS ?? 2_000);
  const runs = new Set<string>();

  /** Continues a run (or a follow-up it made) until it ends; follow-up runs are tracked too. */
  async function answerUntilEnded(engine: Engine, runId: string): Promise<void> {
    for (;;) {
      const status = await waitForStatus(engine, runId, ["input_required", ...ENDED], 60_000);
      if (status !== "input_required") return;
      await engine.continueRun({ run_id: runId, prompt: "yes" }).catch(() => undefined);
    }
  }

  const drivers: Promise<void>[] = [];
  for (let i = 0; i < iterations; i++) {
    const script: Step[] = [
      { burst: Math.floor(random() * 20) },
      { ask: { kind: "question", text: "go on?" } },
      { burst: Math.floor(random() * 20) },
      ...(random() < 0.3 ? [{ throw: "boom" } as Step] : []),
    ];
    const { run_id } = spawnScript(f, [], { backend_config: { script, resume_script: [{ burst: 3 }] } });
    runs.add(run_id);
    const delay = Math.floor(random() * 4);
    const action = random();
    drivers.push(
      (async () => {
        for (let d = 0; d < delay; d++) await new Promise((r) => setImmediate(r));
        const calls: Promise<{ run_id: string }>[] = [];
        if (action < 0.4) calls.push(f.engine.cancelRun(run_id));
        if (action > 0.2) calls.push(f.engine.continueRun({ run_id, prompt: "yes" }));
        if (action > 0.7) calls.push(f.engine.cancelRun(run_id));
        const followUps: Promise<void>[] = [];
        for (const settled of await Promise.allSettled(calls)) {
          if (settled.status === "fulfilled" && settled.value.run_id !== run_id) {
            runs.add(settled.value.run_id);
            followUps.push(answerUntilEnded(f.engine, settled.value.run_id));
          }
        }
        await Promise.all([answerUntilEnded(f.engine, run_id), ...followUps]);
      })(),
    );
  }
  await Promise.all(drivers);
  assert.ok(runs.size > iterations, "some continues on finished runs made follow-up runs");
  for (const run_id of runs) {
    const events = await allEvents(f.engine, run_id);
    for (const [i, event] of events.entries())
      assert.equal(event.seq, i + 1, `run ${run_id}: seq ${event.seq} at ${i}`);
    const terminal = events.filter((e) => ["run_completed", "run_failed", "run_cancelled"].includes(e.type));
    assert.equal(terminal.length, 1, `run ${run_id} has ${terminal.length} terminal events`);
    assert.equal(events.at(-1), terminal[0]);
    const run = f.engine.getRun(run_id);
    assert.equal(run.last_seq, events.length);
    assert.ok((ENDED as readonly string[]).includes(run.status));
  }
  await f.engine.shutdown();
});
