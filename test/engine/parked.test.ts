/** A run waiting for input gives its slot back, and takes one again (or queues for one) when its answer comes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { allEvents, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import type { Step } from "../helpers/scripted-backend.js";

const ENDED = ["completed", "failed", "cancelled"] as const;
const say = (text: string): Step => ({ emit: { type: "agent_message", data: { text } } });
const ASKS: Step[] = [{ ask: { kind: "question", text: "which branch?" } }, say("A done")];

test("a waiting run frees its slot; its answer queues for one and is delivered when one frees", async () => {
  const f = makeEngine({ maxConcurrency: 1 });
  const a = spawnScript(f, ASKS, { limits: { input_timeout_s: 0.3 } });
  await waitForStatus(f.engine, a.run_id, ["input_required"]);
  const b = spawnScript(f, [say("B working"), { hang: true }]);
  assert.equal(await waitForStatus(f.engine, b.run_id, ["running"]), "running", "B got the slot A gave back");

  const answered = await f.engine.continueRun({ run_id: a.run_id, prompt: "main" });
  assert.equal(answered.status, "queued");
  const requeued = (await allEvents(f.engine, a.run_id)).at(-1);
  assert.equal(requeued?.data.status, "queued");
  assert.match(String(requeued?.data.waiting_for), /a free slot \(ORCHESTRATOR_MAX_CONCURRENCY is 1\)/);
  assert.equal(f.backend.inputs.length, 0, "not delivered while no slot is free");
  // Longer than input_timeout_s: the answer came, so that clock no longer runs.
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(f.engine.getRun(a.run_id).status, "queued");

  await f.engine.cancelRun(b.run_id);
  assert.equal(await waitForStatus(f.engine, a.run_id, [...ENDED]), "completed");
  const texts = (await allEvents(f.engine, a.run_id)).filter((e) => e.type === "agent_message");
  assert.deepEqual(
    texts.map((e) => e.data.text),
    ["got: main", "A done"],
  );
  await f.engine.shutdown();
});

test("a run queued again after its answer is cancelled with its live backend stopped", async () => {
  const f = makeEngine({ maxConcurrency: 1 });
  const a = spawnScript(f, ASKS);
  await waitForStatus(f.engine, a.run_id, ["input_required"]);
  const b = spawnScript(f, [{ hang: true }]);
  await waitForStatus(f.engine, b.run_id, ["running"]);
  assert.equal((await f.engine.continueRun({ run_id: a.run_id, prompt: "x" })).status, "queued");
  assert.equal((await f.engine.cancelRun(a.run_id)).status, "cancelled");
  assert.equal(f.backend.cancels, 1, "A's backend, parked but alive, was told to stop");
  // B still runs, and a new run queues behind it (the slot count is intact).
  const c = spawnScript(f, [say("C")]);
  assert.equal(f.engine.getRun(c.run_id).status, "queued");
  await f.engine.cancelRun(b.run_id);
  assert.equal(await waitForStatus(f.engine, c.run_id, [...ENDED]), "completed");
  assert.equal(f.backend.active, 0);
  await f.engine.shutdown();
});
