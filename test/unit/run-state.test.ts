import assert from "node:assert/strict";
import { test } from "node:test";
import { isTerminal, RUN_STATUSES } from "../../src/core/run.js";
import { assertTransition, canTransition } from "../../src/engine/run-state.js";
import { Scheduler } from "../../src/engine/scheduler.js";

test("terminal statuses lead nowhere; every other status can end in each terminal one", () => {
  for (const from of RUN_STATUSES) {
    for (const to of RUN_STATUSES) {
      if (isTerminal(from)) assert.equal(canTransition(from, to), false, `${from} → ${to}`);
    }
    if (!isTerminal(from)) {
      assert.ok(canTransition(from, "failed") && canTransition(from, "cancelled"), from);
    }
  }
  assert.equal(canTransition("queued", "input_required"), false);
  assert.equal(canTransition("input_required", "running"), true);
  assert.throws(() => assertTransition("completed", "running"), /cannot go from completed to running/);
});

test("the scheduler admits FIFO within the limit, one per session, and survives re-entrant release", () => {
  const started: string[] = [];
  const items = ["a:s1", "b:s1", "c:s2", "d:s3", "e:s4"].map((key) => {
    const [runId, sessionId] = key.split(":") as [string, string];
    return { runId, sessionId };
  });
  const scheduler = new Scheduler<(typeof items)[number]>(2, (item) => {
    started.push(item.runId);
    if (item.runId === "d") scheduler.release(item);
  });
  for (const item of items) scheduler.enqueue(item);
  assert.deepEqual(started, ["a", "c"]);
  scheduler.release(items[0] as (typeof items)[number]);
  assert.deepEqual(started, ["a", "c", "b"]);
  scheduler.release(items[2] as (typeof items)[number]);
  assert.deepEqual(started, ["a", "c", "b", "d", "e"]);
  assert.equal(scheduler.activeCount, 2);
  assert.equal(scheduler.remove(items[4] as (typeof items)[number]), false);
});
