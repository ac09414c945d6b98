import assert from "node:assert/strict";
import { test } from "node:test";
import { allEvents, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";

test("the concurrency limit queues runs FIFO and never exceeds the limit", async () => {
  const f = makeEngine({ maxConcurrency: 2 });
  const runs = Array.from({ length: 6 }, () => spawnScript(f, [{ sleep: 60 }]));
  assert.ok(runs.every((r) => r.status === "queued"));
  for (const run of runs) await waitForStatus(f.engine, run.run_id, ["completed"]);
  assert.equal(f.backend.maxActive, 2);
  assert.deepEqual(
    f.backend.started.map((s) => s.run_id),
    runs.map((r) => r.run_id),
  );
  await f.engine.shutdown();
});

test("a later run of the same session waits for the active one, without blocking other sessions", async () => {
  const f = makeEngine({ maxConcurrency: 4 });
  const first = spawnScript(f, [{ session: "t-1" }, { sleep: 150 }]);
  const second = spawnScript(f, [{ emit: { type: "agent_message", data: { text: "2" } } }], {
    session_mode: "resume",
    session_id: first.session_id,
  });
  const other = spawnScript(f, []);
  await waitForStatus(f.engine, other.run_id, ["completed"]);
  assert.equal(f.engine.getRun(second.run_id).status, "queued");
  assert.equal(f.engine.getRun(first.run_id).status, "running");
  await waitForStatus(f.engine, second.run_id, ["completed"]);
  const secondSpec = f.backend.started.find((s) => s.run_id === second.run_id);
  assert.equal(secondSpec?.resume_backend_session_id, "t-1");
  assert.equal(f.engine.getRun(first.run_id).status, "completed");
  await f.engine.shutdown();
});

test("cancel: a queued run, a running run, and a finished run", async () => {
  const f = makeEngine({ maxConcurrency: 1 });
  const running = spawnScript(f, [
    { emit: { type: "agent_message", data: { text: "on it" } } },
    { hang: true },
  ]);
  const queued = spawnScript(f, []);
  await waitForStatus(f.engine, running.run_id, ["running"]);
  assert.deepEqual(await f.engine.cancelRun(queued.run_id), { run_id: queued.run_id, status: "cancelled" });
  const started = Date.now();
  assert.deepEqual(await f.engine.cancelRun(running.run_id), { run_id: running.run_id, status: "cancelled" });
  assert.ok(
    Date.now() - started < 1_000,
    "a backend that stops at once is not waited on for the grace period",
  );
  const events = await allEvents(f.engine, running.run_id);
  assert.equal(events.at(-1)?.type, "run_cancelled");
  assert.equal(events.filter((e) => e.type.startsWith("run_") && e.type !== "run_started").length, 1);
  assert.deepEqual(await f.engine.cancelRun(running.run_id), { run_id: running.run_id, status: "cancelled" });
  assert.equal(f.backend.active, 0);
  await f.engine.shutdown();
});

test("continue_run: answers a waiting run, refuses a running one, follows up a finished one", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [], {
    backend_config: {
      script: [{ session: "conv-9" }, { ask: { kind: "question", text: "which file?" } }, { sleep: 100 }],
      resume_script: [{ emit: { type: "agent_message", data: { text: "tested" } } }],
    },
  });
  await waitForStatus(f.engine, run.run_id, ["input_required"]);
  assert.deepEqual(f.engine.getRun(run.run_id).pending_input, { kind: "question", text: "which file?" });
  await assert.rejects(f.engine.continueRun({ run_id: run.run_id, prompt: "invalid" }), /refuses 'invalid'/);
  assert.equal(
    f.engine.getRun(run.run_id).status,
    "input_required",
    "a refused answer leaves the question open",
  );
  const answered = await f.engine.continueRun({ run_id: run.run_id, prompt: "main.ts" });
  assert.equal(answered.run_id, run.run_id);
  assert.equal(answered.status, "running");
  assert.equal(f.engine.getRun(run.run_id).pending_input, undefined);
  await assert.rejects(
    f.engine.continueRun({ run_id: run.run_id, prompt: "more" }),
    /is running: continue_run answers/,
  );
  await waitForStatus(f.engine, run.run_id, ["completed"]);
  assert.equal(f.engine.getRun(run.run_id).result?.final_response, "got: main.ts");

  const next = await f.engine.continueRun({ run_id: run.run_id, prompt: "now test it" });
  assert.notEqual(next.run_id, run.run_id);
  assert.equal(next.session_id, run.session_id);
  assert.equal(next.previous_run_id, run.run_id);
  await waitForStatus(f.engine, next.run_id, ["completed"]);
  const spec = f.backend.started.find((s) => s.run_id === next.run_id);
  assert.equal(spec?.resume_backend_session_id, "conv-9");
  assert.equal(spec?.prompt, "now test it");
  assert.equal(f.engine.getRun(next.run_id).previous_run_id, run.run_id);
  await assert.rejects(
    f.engine.continueRun({ run_id: run.run_id }),
    /input_message: give input_message or prompt/,
  );
  await f.engine.shutdown();
});

test("cancel while waiting for input ends the run", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ ask: { kind: "permission", text: "touch x?" } }]);
  await waitForStatus(f.engine, run.run_id, ["input_required"]);
  assert.equal((await f.engine.cancelRun(run.run_id)).status, "cancelled");
  assert.equal(f.engine.getRun(run.run_id).pending_input, undefined);
  await f.engine.shutdown();
});

test("a backend that ignores cancel is recorded cancelled after the grace period", async () => {
  const f = makeEngine({ cancelGraceMs: 300 });
  const original = f.backend.start.bind(f.backend);
  f.backend.start = (spec) => {
    const run = original({ ...spec, signal: new AbortController().signal });
    return { ...run, cancel: async () => new Promise<void>(() => undefined) };
  };
  const run = spawnScript(f, [{ hang: true }]);
  await waitForStatus(f.engine, run.run_id, ["running"]);
  const started = Date.now();
  assert.equal((await f.engine.cancelRun(run.run_id)).status, "cancelled");
  assert.ok(Date.now() - started >= 250);
  const last = (await allEvents(f.engine, run.run_id)).at(-1);
  assert.equal(last?.type, "run_cancelled");
  assert.match(String(last?.data.warning), /did not stop within 300 ms/);
});
