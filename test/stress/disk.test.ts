/**
 * Disk trouble: a store that stops taking writes, as a full disk (ENOSPC, injected into node:fs) or a
 * read-only run directory (a real one, over stdio). The run it hits fails at once with a store_error that says
 * what and why, nothing half-written is left behind, the server keeps answering, its other runs finish, and
 * once the disk takes writes again the failed run's log and record are completed.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { OrchestratorError } from "../../src/core/errors.js";
import type { RunEvent } from "../../src/events/types.js";
import { eventsFile, runDir, storeRoot } from "../../src/store/paths.js";
import { fullDisk, readOnly } from "../helpers/disk-faults.js";
import { allEvents, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { connect, errorText, pollUntil } from "../helpers/mcp-client.js";
import type { Step } from "../helpers/scripted-backend.js";
import { tempDir } from "../helpers/temp.js";

const SERVER = fileURLToPath(new URL("../helpers/scripted-server.ts", import.meta.url));

/** Bursts a few events, pauses (the disk goes bad meanwhile), then writes events with artifacts. */
const VICTIM: Step[] = [
  { session: "thread-disk" },
  { burst: 5 },
  { sleep: 1_500 },
  { burst: 3, bytes: 6_000 },
  { burst: 50 },
];
/** Runs elsewhere, throughout. */
const BYSTANDER: Step[] = [
  { burst: 20 },
  { sleep: 300 },
  { burst: 20, bytes: 6_000 },
  { sleep: 300 },
  { burst: 20 },
];

/** The log as it is on disk: every line must parse, numbered 1..n. */
function logOnDisk(path: string): RunEvent[] {
  const text = readFileSync(path, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), `${path} ends in a torn line`);
  const events = text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as RunEvent);
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
    "seqs run 1..n without gap or duplicate",
  );
  return events;
}

/** Files a failed write could leave behind: temporaries, and artifact folders without their manifest. */
function halfWritten(cwd: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (/^\d{6}-[a-z_]+$/.test(entry.name) && !existsSync(join(path, "manifest.json"))) found.push(path);
        walk(path);
      } else if (entry.name.endsWith(".tmp")) found.push(path);
    }
  };
  walk(storeRoot(cwd));
  return found;
}

test("a full disk (ENOSPC) fails its run with a clear store_error; the server and its other runs go on", async () => {
  const disk = fullDisk();
  try {
    const f = makeEngine({ maxConcurrency: 2 });
    const elsewhere = tempDir("orch-disk-ok-");
    const victim = spawnScript(f, VICTIM);
    const bystander = spawnScript(f, BYSTANDER, { cwd: elsewhere });
    // Queued behind the two: it starts only if the failed run frees its slot.
    const queued = spawnScript(f, [{ burst: 10 }], { cwd: elsewhere });

    // Each poll waits for events past those seen, so this loop never starves the runs it watches.
    let seen = 0;
    while (seen < 7) {
      seen = (
        await f.engine.pollEvents({ run_id: victim.run_id, after_seq: seen, wait_ms: 1_000, limit: 1000 })
      ).next_after_seq;
    }
    const waiting = f.engine.pollEvents({ run_id: victim.run_id, after_seq: 7, wait_ms: 10_000 });
    disk.fill(storeRoot(f.cwd));

    // A long-poll waiting on the run is woken by its failure.
    const woken = await waiting;
    assert.equal(woken.status, "failed");
    const failed = f.engine.getRun(victim.run_id);
    assert.equal(failed.status, "failed");
    assert.equal(failed.error?.code, "store_error");
    assert.match(failed.error?.message ?? "", /event 8 \(agent_message\)/);
    assert.match(failed.error?.message ?? "", /ENOSPC: no space left on device/);
    assert.ok(
      failed.error?.message.includes(runDir(f.cwd, victim.run_id)),
      "the message names the run's folder",
    );
    assert.ok(disk.refused > 0);

    // The server goes on: the other runs finish whole, and the queued one got the freed slot.
    assert.equal(await waitForStatus(f.engine, bystander.run_id, ["completed"]), "completed");
    assert.equal(await waitForStatus(f.engine, queued.run_id, ["completed"]), "completed");
    assert.equal((await allEvents(f.engine, bystander.run_id)).length, 2 + 60 + 1);
    assert.equal(f.backend.active, 0, "the failed run's backend was stopped");

    // A new run on the full disk is refused with the same clear error, and leaves no run behind.
    const before = f.engine.listRuns({ limit: 200 }).runs.length;
    assert.throws(
      () => spawnScript(f, [{ burst: 1 }]),
      (error: unknown) =>
        error instanceof OrchestratorError && error.code === "store_error" && /ENOSPC/.test(error.message),
    );
    assert.equal(f.engine.listRuns({ limit: 200 }).runs.length, before);

    // Nothing half-written: the log holds whole lines only, no temporaries, no artifact folder without manifest.
    const onDisk = logOnDisk(eventsFile(f.cwd, victim.run_id));
    assert.equal(onDisk.length, 7, "the refused event left no part of its line");
    assert.deepEqual(halfWritten(f.cwd), []);

    // Once the disk has room again, the next finished run completes the failed run's log and record.
    disk.free();
    const after = spawnScript(f, [{ burst: 3 }], { cwd: elsewhere });
    assert.equal(await waitForStatus(f.engine, after.run_id, ["completed"]), "completed");
    const repaired = logOnDisk(eventsFile(f.cwd, victim.run_id));
    assert.equal(repaired.length, 8);
    assert.equal(repaired.at(-1)?.type, "run_failed");
    assert.equal(repaired.at(-1)?.data.code, "store_error");
    const record = JSON.parse(readFileSync(join(runDir(f.cwd, victim.run_id), "run.json"), "utf8"));
    assert.equal(record.status, "failed");
    assert.equal(record.error.code, "store_error");
    assert.equal(record.last_seq, 8);
    // A fresh engine over the same home reads the same from disk.
    const reader = makeEngine({}, f.home);
    assert.equal(reader.engine.getRun(victim.run_id).error?.code, "store_error");
    assert.equal((await allEvents(reader.engine, victim.run_id)).length, 8);
    await reader.engine.shutdown();
    await f.engine.shutdown();
  } finally {
    disk.uninstall();
  }
});

const ro = readOnly();

test("a run folder that turns read-only fails its run over stdio; the server keeps serving", {
  skip: ro ? false : "neither a non-root user nor chattr +i is available here",
}, async () => {
  const guard = ro as NonNullable<typeof ro>;
  const home = tempDir("orch-ro-home-");
  const cwd = tempDir("orch-ro-cwd-");
  const elsewhere = tempDir("orch-ro-ok-");
  const mcp = await connect(["--import", "tsx", SERVER], { ORCHESTRATOR_HOME: home });
  let victimId = "";
  try {
    const spawn = (where: string, script: Step[]) =>
      mcp.ok<{ run_id: string }>("spawn_run", {
        backend: "codex",
        role: "worker",
        cwd: where,
        prompt: "go",
        backend_config: { script },
      });
    const victim = await spawn(cwd, VICTIM);
    victimId = victim.run_id;
    const bystander = await spawn(elsewhere, BYSTANDER);
    let seen = 0;
    while (seen < 7) {
      const page = await mcp.ok<{ events: unknown[] }>("poll_events", {
        run_id: victim.run_id,
        after_seq: 0,
        wait_ms: 1_000,
        limit: 1000,
      });
      seen = page.events.length;
    }
    guard.protect(runDir(cwd, victim.run_id));
    try {
      const { status } = await pollUntil(mcp, victim.run_id, ["failed", "completed"]);
      assert.equal(status, "failed");
      const run = await mcp.ok<{ error: { code: string; message: string } }>("get_run", {
        run_id: victim.run_id,
      });
      assert.equal(run.error.code, "store_error");
      assert.match(run.error.message, /EPERM|EACCES/);
      assert.match(run.error.message, new RegExp(victim.run_id));

      const other = await pollUntil(mcp, bystander.run_id, ["completed", "failed"]);
      assert.equal(other.status, "completed");
      assert.equal(other.events.length, 2 + 60 + 1);
      const listed = await mcp.ok<{ runs: { run_id: string; status: string }[] }>("list_runs", {});
      assert.deepEqual(listed.runs.map((r) => r.run_id).sort(), [victim.run_id, bystander.run_id].sort());
      // Cancel of the failed run answers its status; a new run in the read-only folder's store still works
      // (only that run's folder is protected).
      const cancelled = await mcp.ok<{ status: string }>("cancel_run", { run_id: victim.run_id });
      assert.equal(cancelled.status, "failed");
      const next = await spawn(cwd, [{ burst: 2 }]);
      assert.equal((await pollUntil(mcp, next.run_id, ["completed", "failed"])).status, "completed");
      const refused = await mcp.call("get_event_artifact", {
        run_id: victim.run_id,
        seq: 99,
        field_path: "",
      });
      assert.match(errorText(refused), /^not_found: /);
    } finally {
      guard.release();
    }
    assert.deepEqual(halfWritten(cwd), []);
  } finally {
    await mcp.close();
  }
  // With the folder writable again, the server completed the failed run's log and record (at the latest on
  // its way out).
  const events = logOnDisk(eventsFile(cwd, victimId));
  assert.ok(events.length >= 8);
  assert.equal(events.filter((e) => e.type.startsWith("run_") && e.type !== "run_started").length, 1);
  assert.equal(events.at(-1)?.type, "run_failed");
  assert.equal(events.at(-1)?.data.code, "store_error");
  const record = JSON.parse(readFileSync(join(runDir(cwd, victimId), "run.json"), "utf8"));
  assert.equal(record.status, "failed");
});

test("shutting down while the disk refuses writes still stops every run and closes the store", async () => {
  const disk = fullDisk();
  try {
    const f = makeEngine();
    const elsewhere = tempDir("orch-disk-ok-");
    const stuck = spawnScript(f, [{ hang: true }]);
    const other = spawnScript(f, [{ hang: true }], { cwd: elsewhere });
    await waitForStatus(f.engine, stuck.run_id, ["running"]);
    await waitForStatus(f.engine, other.run_id, ["running"]);
    disk.fill(storeRoot(f.cwd));
    await f.engine.shutdown();
    assert.equal(f.engine.getRun(stuck.run_id).error?.code, "store_error");
    assert.equal(f.backend.active, 0, "both backends were stopped");
    const reader = makeEngine({}, f.home);
    assert.equal(reader.engine.getRun(other.run_id).error?.code, "interrupted");
    await reader.engine.shutdown();
  } finally {
    disk.uninstall();
  }
});
