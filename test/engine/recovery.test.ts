import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { allEvents, makeEngine, waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

const HOST = fileURLToPath(new URL("../helpers/host-engine.ts", import.meta.url));

test("a run whose host process was SIGKILLed becomes failed/interrupted, and its session resumes", async () => {
  const home = tempDir("orch-home-");
  const cwd = tempDir("orch-cwd-");
  const child = spawn(process.execPath, ["--import", "tsx", HOST, home, cwd], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const run = JSON.parse(line.toString()) as { run_id: string; session_id: string };
  child.kill("SIGKILL");
  await once(child, "exit");

  const f = makeEngine({}, home);
  f.cwd = cwd;
  const summary = f.engine.getRun(run.run_id);
  assert.equal(summary.status, "failed");
  assert.equal(summary.error?.code, "interrupted");
  assert.equal(summary.pending_input, undefined);
  const events = await allEvents(f.engine, run.run_id);
  for (const [i, e] of events.entries()) assert.equal(e.seq, i + 1);
  assert.equal(events.at(-1)?.type, "run_failed");
  assert.equal(events.at(-1)?.data.code, "interrupted");
  assert.equal(
    events.filter((e) => e.type === "agent_message").length,
    50,
    "nothing written before the kill is lost",
  );

  const next = await f.engine.continueRun({ run_id: run.run_id, prompt: "pick up where you left off" });
  assert.equal(next.session_id, run.session_id);
  await waitForStatus(f.engine, next.run_id, ["completed"]);
  assert.equal(f.backend.started[0]?.resume_backend_session_id, "thread-77");
  await f.engine.shutdown();
});

test("a run hosted by another live process is readable here, and cancel/continue say where it lives", async () => {
  const home = tempDir("orch-home-");
  const cwd = tempDir("orch-cwd-");
  const child = spawn(process.execPath, ["--import", "tsx", HOST, home, cwd], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const [line] = (await once(child.stdout, "data")) as [Buffer];
    const run = JSON.parse(line.toString()) as { run_id: string };
    const f = makeEngine({}, home);
    const summary = f.engine.getRun(run.run_id);
    assert.equal(summary.status, "input_required", "a live host's run is not taken for orphaned");
    assert.ok(summary.last_seq >= 53);
    const events = await allEvents(f.engine, run.run_id);
    assert.equal(events.length, summary.last_seq);
    await assert.rejects(
      f.engine.cancelRun(run.run_id),
      new RegExp(`hosted by another orchestration-mcp process \\(pid ${child.pid}\\)`),
    );
    await assert.rejects(f.engine.continueRun({ run_id: run.run_id, prompt: "yes" }), /hosted by another/);
    assert.equal(f.engine.listRuns({ cwd }).runs.length, 1);
    await f.engine.shutdown();
  } finally {
    child.kill("SIGKILL");
  }
});
