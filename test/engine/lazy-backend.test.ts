/**
 * LazyBackend: a backend whose module loads on its first run. Runs through it behave as through the backend
 * itself (events, input, cancel), a load that fails fails the run, and nothing loads until a run starts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LazyBackend } from "../../src/backends/lazy-backend.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";
import { ScriptedBackend, type Step } from "../helpers/scripted-backend.js";
import { tempDir } from "../helpers/temp.js";

function lazyEngine(load: () => Promise<ScriptedBackend>) {
  let loads = 0;
  const backend = new LazyBackend({
    name: "codex",
    validateConfig: (config) => new ScriptedBackend().validateConfig(config),
    takesInput: true,
    load: () => {
      loads++;
      return load();
    },
  });
  const engine = new Engine(
    { ...configFromEnv({}), home: tempDir("orch-lazy-home-") },
    new Map([["codex", backend]]),
  );
  const cwd = tempDir("orch-lazy-cwd-");
  const spawn = (script: Step[]) =>
    engine.spawnRun({ backend: "codex", role: "worker", cwd, prompt: "go", backend_config: { script } });
  return { engine, spawn, loads: () => loads };
}

test("the backend loads on the first run only, and its runs take events, input and cancel as usual", async () => {
  const inner = new ScriptedBackend();
  const { engine, spawn, loads } = lazyEngine(async () => inner);
  assert.throws(() => spawn("nope" as unknown as Step[]), /backend_config.script: expected an array/);
  assert.equal(loads(), 0, "checking a config loads nothing");

  const asked = spawn([{ burst: 3 }, { ask: { kind: "question", text: "ok?" } }]);
  assert.equal(await waitForStatus(engine, asked.run_id, ["input_required"]), "input_required");
  await engine.continueRun({ run_id: asked.run_id, prompt: "yes" });
  assert.equal(await waitForStatus(engine, asked.run_id, ["completed"]), "completed");
  const texts = (await allEvents(engine, asked.run_id)).map((e) => e.data.text).filter(Boolean);
  assert.ok(texts.includes("got: yes"));

  const hanging = spawn([{ hang: true }]);
  await waitForStatus(engine, hanging.run_id, ["running"]);
  await engine.cancelRun(hanging.run_id);
  assert.equal(engine.getRun(hanging.run_id).status, "cancelled");
  assert.equal(inner.cancels, 1);
  assert.equal(loads(), 1);
  await engine.shutdown();
});

test("a backend module that fails to load fails the run with its message; one cancelled while loading never starts", async () => {
  const broken = lazyEngine(async () => {
    throw new Error("Cannot find package '@openai/codex-sdk'");
  });
  const run = broken.spawn([{ burst: 1 }]);
  assert.equal(await waitForStatus(broken.engine, run.run_id, ["failed"]), "failed");
  assert.match(broken.engine.getRun(run.run_id).error?.message ?? "", /Cannot find package/);
  await broken.engine.shutdown();

  const inner = new ScriptedBackend();
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slow = lazyEngine(async () => {
    await gate;
    return inner;
  });
  const waiting = slow.spawn([{ burst: 1 }]);
  await waitForStatus(slow.engine, waiting.run_id, ["running"]);
  const cancelled = slow.engine.cancelRun(waiting.run_id);
  release();
  await cancelled;
  assert.equal(slow.engine.getRun(waiting.run_id).status, "cancelled");
  assert.equal(inner.started.length, 0, "the backend never started a run that was cancelled while it loaded");
  await slow.engine.shutdown();
});
