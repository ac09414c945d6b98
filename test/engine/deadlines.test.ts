/** Deadlines: a run's wall time, its silence and its wait for input are bounded, and end it through the stop path. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { configFromEnv } from "../../src/engine/config.js";
import { allEvents, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import type { Step } from "../helpers/scripted-backend.js";

const ENDED = ["completed", "failed", "cancelled"] as const;
const say = (text: string): Step => ({ emit: { type: "agent_message", data: { text } } });

async function failsWith(f: ReturnType<typeof makeEngine>, runId: string, limit: string) {
  assert.equal(await waitForStatus(f.engine, runId, [...ENDED]), "failed");
  const run = f.engine.getRun(runId);
  assert.equal(run.error?.code, "timeout");
  assert.match(run.error?.message ?? "", new RegExp(`exceeded its ${limit} of`));
  const last = (await allEvents(f.engine, runId)).at(-1);
  assert.equal(last?.type, "run_failed");
  assert.equal(last?.data.limit, limit);
  return run;
}

test("an agent that goes quiet is stopped after idle_timeout_s, through the stop path", async () => {
  const f = makeEngine();
  const started = Date.now();
  const run = spawnScript(f, [say("working on it"), { hang: true }], { limits: { idle_timeout_s: 0.3 } });
  const failed = await failsWith(f, run.run_id, "idle_timeout_s");
  assert.match(failed.error?.message ?? "", /idle_timeout_s of 0\.3 s: the agent sent no event for 0\.3 s/);
  assert.ok(Date.now() - started < 3_000);
  assert.equal(f.backend.cancels, 1, "the backend was told to stop");
  assert.equal(f.backend.active, 0, "and it did");
  await f.engine.shutdown();
});

test("a busy run is stopped after timeout_s however chatty it is; silence alone is not its limit", async () => {
  const f = makeEngine();
  const chatty: Step[] = Array.from({ length: 40 }, (_, i) => [{ sleep: 50 }, say(`step ${i}`)]).flat();
  const run = spawnScript(f, chatty, { limits: { timeout_s: 0.5, idle_timeout_s: 0.2 } });
  await failsWith(f, run.run_id, "timeout_s");
  await f.engine.shutdown();
});

test("a run waiting for input is bounded by input_timeout_s, not by its silence", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ ask: { kind: "question", text: "which branch?" } }, say("thanks")], {
    limits: { idle_timeout_s: 0.1, input_timeout_s: 0.5 },
  });
  assert.equal(await waitForStatus(f.engine, run.run_id, ["input_required"]), "input_required");
  const failed = await failsWith(f, run.run_id, "input_timeout_s");
  assert.match(failed.error?.message ?? "", /nobody answered its input_required within 0\.5 s/);

  // An answer in time stops the answer clock and restarts the silence clock.
  const answered = spawnScript(f, [{ ask: { kind: "question", text: "ok?" } }, { sleep: 200 }, say("done")], {
    limits: { idle_timeout_s: 0.5, input_timeout_s: 0.3 },
  });
  await waitForStatus(f.engine, answered.run_id, ["input_required"]);
  await f.engine.continueRun({ run_id: answered.run_id, prompt: "yes" });
  assert.equal(await waitForStatus(f.engine, answered.run_id, [...ENDED]), "completed");
  await f.engine.shutdown();
});

test("continue_run inherits the limits; defaults come from the environment; bad limits name the field", async () => {
  const f = makeEngine();
  const first = spawnScript(f, [say("one")], {
    limits: { idle_timeout_s: 0.3 },
    backend_config: { script: [{ session: "thread-1" }, say("one")], resume_script: [{ hang: true }] },
  });
  assert.equal(await waitForStatus(f.engine, first.run_id, [...ENDED]), "completed");
  const next = await f.engine.continueRun({ run_id: first.run_id, prompt: "two" });
  await failsWith(f, next.run_id, "idle_timeout_s");
  await f.engine.shutdown();

  const fromEnv = makeEngine({ runLimits: configFromEnv({ ORCHESTRATOR_IDLE_TIMEOUT_S: "0.3" }).runLimits });
  await failsWith(fromEnv, spawnScript(fromEnv, [{ hang: true }]).run_id, "idle_timeout_s");
  // null means "the default"; 0 means "no limit".
  const none = spawnScript(fromEnv, [{ sleep: 600 }, say("slow but fine")], {
    limits: { idle_timeout_s: 0, timeout_s: null },
  });
  assert.equal(await waitForStatus(fromEnv.engine, none.run_id, [...ENDED]), "completed");
  for (const [limits, field] of [
    [
      { max_tokens: 5 },
      /limits\.max_tokens: unknown limit; known: timeout_s, idle_timeout_s, input_timeout_s/,
    ],
    [{ idle_timeout_s: -1 }, /limits\.idle_timeout_s: expected seconds from 0/],
    [{ timeout_s: "10" }, /limits\.timeout_s: expected seconds/],
    [[5], /limits: expected an object/],
  ] as const) {
    assert.throws(() => spawnScript(fromEnv, [], { limits }), field);
  }
  assert.throws(() => configFromEnv({ ORCHESTRATOR_RUN_TIMEOUT_S: "soon" }), /ORCHESTRATOR_RUN_TIMEOUT_S/);
  await fromEnv.engine.shutdown();
});

test("a second cancel while the first is still stopping the run waits on the same stop", async () => {
  const f = makeEngine({ cancelGraceMs: 400 });
  const run = spawnScript(f, [say("busy"), { stubborn: 5_000 }]);
  await waitForStatus(f.engine, run.run_id, ["running"]);
  const [first, second] = await Promise.all([f.engine.cancelRun(run.run_id), f.engine.cancelRun(run.run_id)]);
  assert.deepEqual([first.status, second.status], ["cancelled", "cancelled"]);
  const ends = (await allEvents(f.engine, run.run_id)).filter((e) => e.type === "run_cancelled");
  assert.equal(ends.length, 1);
  assert.match(String(ends[0]?.data.warning), /did not stop within 400 ms/);
  await f.engine.shutdown();
});

test("an answer the backend fails to take fails the run through the stop path; a poll for 0 events is refused", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ ask: { kind: "question", text: "go?" } }, { hang: true }]);
  await waitForStatus(f.engine, run.run_id, ["input_required"]);
  await f.engine.continueRun({ run_id: run.run_id, prompt: "explode" });
  const failed = f.engine.getRun(run.run_id);
  assert.equal(failed.status, "failed");
  assert.match(failed.error?.message ?? "", /delivering input: the agent's input channel closed/);
  assert.equal(f.backend.cancels, 1, "the backend was stopped");
  assert.equal(f.backend.active, 0);
  await assert.rejects(
    f.engine.pollEvents({ run_id: run.run_id, limit: 0, wait_ms: 5_000 }),
    /limit: expected 1 to 1000 events/,
  );
  await f.engine.shutdown();
});

test("an agent that only retries (status notes, no progress) is still stopped by idle_timeout_s", async () => {
  const f = makeEngine();
  const retrying: Step[] = Array.from({ length: 30 }, (_, i) => [
    { sleep: 100 },
    { emit: { type: "status_changed", data: { status: "running", warning: `Reconnecting... ${i}/30` } } },
  ]).flat() as Step[];
  const run = spawnScript(f, [say("starting"), ...retrying], { limits: { idle_timeout_s: 0.5 } });
  await failsWith(f, run.run_id, "idle_timeout_s");
  await f.engine.shutdown();
});
