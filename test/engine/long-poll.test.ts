import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";

test("a long-poll returns as soon as an event is appended, not when the wait ends", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [
    { emit: { type: "agent_message", data: { text: "a" } } },
    { sleep: 300 },
    { emit: { type: "agent_message", data: { text: "b" } } },
    { hang: true },
  ]);
  const page = await f.engine.pollEvents({ run_id: run.run_id, after_seq: 0, limit: 1000 });
  let after = page.next_after_seq;
  while (!page.events.some((e) => e.data.text === "a")) {
    const more = await f.engine.pollEvents({ run_id: run.run_id, after_seq: after, wait_ms: 2_000 });
    page.events.push(...more.events);
    after = more.next_after_seq;
  }
  const started = Date.now();
  const woke = await f.engine.pollEvents({ run_id: run.run_id, after_seq: after, wait_ms: 10_000 });
  const waited = Date.now() - started;
  assert.equal(woke.events[0]?.data.text, "b");
  assert.ok(waited >= 150 && waited < 1_500, `woke after ${waited} ms`);
  await f.engine.cancelRun(run.run_id);
  await f.engine.shutdown();
});

test("a long-poll with nothing new waits out wait_ms, capped by the server's limit", async () => {
  const f = makeEngine({ pollWaitCapMs: 400 });
  const run = spawnScript(f, [{ hang: true }]);
  await waitForStatus(f.engine, run.run_id, ["running"]);
  const last = f.engine.getRun(run.run_id).last_seq;
  const started = Date.now();
  const page = await f.engine.pollEvents({ run_id: run.run_id, after_seq: last, wait_ms: 60_000 });
  const waited = Date.now() - started;
  assert.deepEqual(page.events, []);
  assert.equal(page.next_after_seq, last);
  assert.equal(page.status, "running");
  assert.ok(waited >= 380 && waited < 1_500, `waited ${waited} ms with a 400 ms cap`);
  await f.engine.cancelRun(run.run_id);
  await f.engine.shutdown();
});

test("a long-poll stops when its caller aborts, and reports progress while it waits", async () => {
  const f = makeEngine({ pollWaitCapMs: 25_000 });
  const run = spawnScript(f, [{ hang: true }]);
  await waitForStatus(f.engine, run.run_id, ["running"]);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const started = Date.now();
  const page = await f.engine.pollEvents({
    run_id: run.run_id,
    after_seq: f.engine.getRun(run.run_id).last_seq,
    wait_ms: 20_000,
    signal: controller.signal,
  });
  assert.deepEqual(page.events, []);
  assert.ok(Date.now() - started < 1_000);
  await f.engine.cancelRun(run.run_id);
  await f.engine.shutdown();
});

test("a long-poll on a finished run returns at once", async () => {
  const f = makeEngine();
  const run = spawnScript(f, []);
  await waitForStatus(f.engine, run.run_id, ["completed"]);
  const started = Date.now();
  const page = await f.engine.pollEvents({ run_id: run.run_id, after_seq: 100, wait_ms: 5_000 });
  assert.ok(Date.now() - started < 200);
  assert.equal(page.status, "completed");
  assert.equal(page.next_after_seq, f.engine.getRun(run.run_id).last_seq);
  await f.engine.shutdown();
});

test("a poll answer is capped in bytes and count, and says has_more", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ burst: 200, bytes: 3_000 }]);
  await waitForStatus(f.engine, run.run_id, ["completed"]);
  const page = await f.engine.pollEvents({ run_id: run.run_id, after_seq: 0, limit: 1000 });
  const bytes = page.events.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
  assert.ok(bytes <= f.engine.config.pollMaxBytes, `${bytes} bytes`);
  assert.ok(page.has_more);
  assert.ok(page.events.length > 10 && page.events.length < 200);
  const small = await f.engine.pollEvents({ run_id: run.run_id, after_seq: 5, limit: 3 });
  assert.deepEqual(
    small.events.map((e) => e.seq),
    [6, 7, 8],
  );
  assert.equal(small.next_after_seq, 8);
  assert.ok(small.has_more);
  await f.engine.shutdown();
});
