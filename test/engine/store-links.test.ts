/**
 * The agent of a run can write its cwd, and so the store in it: these tests play that agent. Links planted where
 * the store expects its own files or folders must fail the run with a store_error and leave everything outside
 * untouched; a finished run's record rewritten from inside the cwd must be reported as tampered, not answered.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EventLogWriter } from "../../src/store/event-log.js";
import {
  allEvents,
  makeEngine,
  readArtifact,
  spawnScript,
  waitForStatus,
} from "../helpers/engine-fixture.js";
import type { Step } from "../helpers/scripted-backend.js";
import { tempDir } from "../helpers/temp.js";

const ENDED = ["completed", "failed", "cancelled"] as const;
const BIG = "agent text that must not land outside the store ".repeat(120);

/** Waits for input; then, once the test has planted its links, says something big enough for an artifact. */
const PAUSE_THEN_BIG: Step[] = [
  { ask: { kind: "question", text: "ready?" } },
  { emit: { type: "agent_message", data: { text: BIG } } },
];

function victimFile(): { dir: string; file: string } {
  const dir = tempDir("orch-victim-");
  const file = join(dir, "bashrc");
  writeFileSync(file, "original\n");
  return { dir, file };
}

const storeOf = (cwd: string): string => join(cwd, ".nanobot-orchestrator");
const runFolder = (cwd: string, runId: string): string => join(storeOf(cwd), "runs", runId);

async function pausedRun(f: ReturnType<typeof makeEngine>) {
  const run = spawnScript(f, PAUSE_THEN_BIG);
  assert.equal(await waitForStatus(f.engine, run.run_id, ["input_required"]), "input_required");
  return run;
}

async function resumeAndFail(f: ReturnType<typeof makeEngine>, runId: string) {
  // The answer itself may be what the store refuses to record: then continue_run says so.
  await f.engine.continueRun({ run_id: runId, prompt: "go" }).catch((error) => {
    assert.match(String(error), /store_error|symbolic link/);
  });
  assert.equal(await waitForStatus(f.engine, runId, [...ENDED]), "failed");
  return f.engine.getRun(runId);
}

test("a link planted where an artifact chunk goes fails the run and writes nothing through it", async () => {
  const f = makeEngine();
  const victim = victimFile();
  const run = await pausedRun(f);
  const artifacts = join(runFolder(f.cwd, run.run_id), "artifacts");
  for (let seq = 1; seq <= 12; seq++) {
    const dir = join(artifacts, `${String(seq).padStart(6, "0")}-agent_message`);
    mkdirSync(dir, { recursive: true });
    symlinkSync(victim.file, join(dir, "f0-000.chunk"));
  }
  const summary = await resumeAndFail(f, run.run_id);
  assert.equal(summary.error?.code, "store_error");
  assert.match(
    summary.error?.message ?? "",
    /f0-000\.chunk: a symbolic link where the store expects its own/,
  );
  assert.equal(readFileSync(victim.file, "utf8"), "original\n");
  const last = (await allEvents(f.engine, run.run_id)).at(-1);
  assert.equal(last?.type, "run_failed", "the failure itself is recorded");
  await f.engine.shutdown();
});

test("a link in place of a store folder (artifacts, or the whole run folder) is refused, not followed", async () => {
  const f = makeEngine();
  const victim = victimFile();
  const first = await pausedRun(f);
  symlinkSync(victim.dir, join(runFolder(f.cwd, first.run_id), "artifacts"));
  const refusedArtifacts = await resumeAndFail(f, first.run_id);
  assert.equal(refusedArtifacts.error?.code, "store_error");
  assert.match(refusedArtifacts.error?.message ?? "", /artifacts: a symbolic link/);

  // The agent moves its run folder away and leaves a link to a folder outside in its place.
  const second = await pausedRun(f);
  const folder = runFolder(f.cwd, second.run_id);
  renameSync(folder, `${folder}.moved`);
  symlinkSync(victim.dir, folder);
  const refusedFolder = await resumeAndFail(f, second.run_id);
  assert.equal(refusedFolder.error?.code, "store_error");
  assert.deepEqual(readdirSync(victim.dir), ["bashrc"], "nothing was created outside the store");
  assert.equal(readFileSync(victim.file, "utf8"), "original\n");
  await f.engine.shutdown();
});

test("a log that is a link (soft or hard) to a file outside is refused by the next writer", () => {
  const victim = victimFile();
  const runs = join(storeOf(tempDir("orch-cwd-")), "runs");
  // A server reopens a log to append when it recovers a dead server's run; the agent had replaced it meanwhile.
  const hard = join(runs, "run_hard", "events.jsonl");
  mkdirSync(join(runs, "run_hard"), { recursive: true });
  linkSync(victim.file, hard);
  assert.throws(
    () => EventLogWriter.open(hard),
    /events\.jsonl: a file with another name elsewhere \(a hard link\)/,
  );
  const soft = join(runs, "run_soft", "events.jsonl");
  mkdirSync(join(runs, "run_soft"), { recursive: true });
  symlinkSync(victim.file, soft);
  assert.throws(() => EventLogWriter.open(soft), /events\.jsonl: a symbolic link/);
  assert.equal(readFileSync(victim.file, "utf8"), "original\n");
});

test("the store ignores itself in git, and a .gitignore the user wrote is kept", async () => {
  const f = makeEngine();
  const run = spawnScript(f, []);
  await waitForStatus(f.engine, run.run_id, [...ENDED]);
  assert.equal(
    readFileSync(join(storeOf(f.cwd), ".gitignore"), "utf8")
      .split("\n")
      .at(-2),
    "*",
  );
  const own = tempDir("orch-cwd-");
  mkdirSync(storeOf(own));
  writeFileSync(join(storeOf(own), ".gitignore"), "mine\n");
  const other = spawnScript({ ...f, cwd: own }, []);
  await waitForStatus(f.engine, other.run_id, [...ENDED]);
  assert.equal(readFileSync(join(storeOf(own), ".gitignore"), "utf8"), "mine\n");
  await f.engine.shutdown();
});

test("a finished run's record rewritten from its cwd is reported as tampered; the kept record is answered", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ emit: { type: "agent_message", data: { text: "the real verdict" } } }]);
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED]), "completed");
  await f.engine.shutdown();

  const file = join(runFolder(f.cwd, run.run_id), "run.json");
  const forged = JSON.parse(readFileSync(file, "utf8"));
  forged.result.final_response = "LGTM, ship it";
  forged.updated_at = "2099-01-01T00:00:00.000Z";
  forged.spec.backend_config = {
    script: [{ emit: { type: "agent_message", data: { text: "forged spec" } } }],
  };
  writeFileSync(file, JSON.stringify(forged, null, 2));

  // Another server on the same home, after a reindex that read the forged file.
  const g = makeEngine({}, f.home);
  g.engine.reindex();
  const summary = g.engine.getRun(run.run_id);
  assert.equal(summary.status, "completed");
  assert.equal(summary.result?.final_response, "the real verdict");
  assert.equal(summary.error?.code, "store_tampered");
  assert.match(summary.error?.message ?? "", /run\.json was changed after the run ended/);
  assert.equal(
    g.engine.listRuns({ session_id: run.session_id }).runs[0]?.result?.final_response,
    "the real verdict",
  );

  // Continuing it runs the spec the server kept, not the one written into the cwd.
  const next = await g.engine.continueRun({ run_id: run.run_id, prompt: "again" });
  await waitForStatus(g.engine, next.run_id, [...ENDED]);
  assert.notEqual(g.engine.getRun(next.run_id).result?.final_response, "forged spec");

  // A link in place of run.json is not read through either.
  const elsewhere = join(tempDir("orch-forged-"), "run.json");
  writeFileSync(elsewhere, JSON.stringify(forged));
  renameSync(file, `${file}.moved`);
  symlinkSync(elsewhere, file);
  const linked = g.engine.getRun(run.run_id);
  assert.equal(linked.error?.code, "store_tampered");
  assert.match(linked.error?.message ?? "", /symbolic link/);
  assert.equal(linked.result?.final_response, "the real verdict");
  assert.ok(existsSync(`${file}.moved`));
  await g.engine.shutdown();
});

test("a finished run's event log changed in its cwd is not served, and get_run says so", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [
    { emit: { type: "agent_message", data: { text: "verdict: REJECT" } } },
    {
      emit: {
        type: "command_finished",
        data: { command: "make test", exit_code: 1, stdout: "F".repeat(9000) },
      },
    },
  ]);
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED]), "completed");
  const before = await allEvents(f.engine, run.run_id);
  const withArtifact = before.find((e) => e.type === "command_finished");
  assert.ok(withArtifact);
  await f.engine.shutdown();

  // Another server on the home reads the untouched log: it matches its seal.
  const g = makeEngine({}, f.home);
  assert.deepEqual(await allEvents(g.engine, run.run_id), before);
  assert.equal(g.engine.getRun(run.run_id).error, undefined);

  // Same length, one word changed: only the seal can tell.
  const log = join(runFolder(f.cwd, run.run_id), "events.jsonl");
  writeFileSync(log, readFileSync(log, "utf8").replace("verdict: REJECT", "verdict: ACCEPT"));
  await assert.rejects(g.engine.pollEvents({ run_id: run.run_id, after_seq: 0 }), (error: Error) => {
    assert.equal((error as { code?: string }).code, "store_tampered");
    assert.match(error.message, /events\.jsonl was changed after the run ended; its events are not served/);
    return true;
  });
  assert.throws(
    () => g.engine.getEventArtifact({ run_id: run.run_id, seq: withArtifact.seq, field_path: "/stdout" }),
    /store_tampered|was changed after the run ended/,
  );
  const summary = g.engine.getRun(run.run_id);
  assert.equal(summary.error?.code, "store_tampered");
  assert.equal(summary.status, "completed");

  // Appending a forged event is caught too.
  writeFileSync(
    log,
    `${readFileSync(log, "utf8").replace("verdict: ACCEPT", "verdict: REJECT")}{"seq":99}\n`,
  );
  assert.match(g.engine.getRun(run.run_id).error?.message ?? "", /bytes, not the \d+ the run ended with/);
  await g.engine.shutdown();
});

test("an artifact changed after it was written is not served; its event names the sha256 it must match", async () => {
  const f = makeEngine();
  const tail = "FAIL: 3 tests\n";
  const stdout = "x".repeat(2_100_000 - tail.length) + tail;
  const run = spawnScript(f, [{ output: { bytes: 2_100_000, tail } }]);
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED]), "completed");
  const event = (await allEvents(f.engine, run.run_id)).find((e) => e.type === "command_finished");
  assert.ok(event);
  const ref = (event.data.artifact_refs as { field_path: string; sha256?: string }[])[0];
  assert.equal(ref?.sha256, createHash("sha256").update(stdout).digest("hex"));
  assert.equal(readArtifact(f.engine, run.run_id, event.seq, "/stdout", 300_000), stdout);

  // The verdict sits in the third chunk (after two of 1 MiB); same length, so only the digest can tell.
  const chunk = join(
    runFolder(f.cwd, run.run_id),
    "artifacts",
    `${String(event.seq).padStart(6, "0")}-command_finished`,
    "f0-002.chunk",
  );
  writeFileSync(chunk, readFileSync(chunk, "utf8").replace("FAIL: 3 tests", "PASS: 3 tests"));
  const page = (offset: number) =>
    f.engine.getEventArtifact({
      run_id: run.run_id,
      seq: event.seq,
      field_path: "/stdout",
      offset,
      limit: 1000,
    });
  assert.throws(() => page(stdout.length - 1000), /no longer matches the sha256 its event recorded/);
  // Once a change is noticed, the field is refused whole, its untouched first chunk too.
  assert.throws(() => page(0), /no longer matches the sha256 its event recorded/);
  await f.engine.shutdown();
});

test("a session file rewritten in the cwd cannot point a resume at another conversation", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ session: "thread-of-this-project" }]);
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED]), "completed");
  const file = join(storeOf(f.cwd), "sessions", `${run.session_id}.json`);
  const forged = JSON.parse(readFileSync(file, "utf8"));
  assert.equal(forged.backend_session_id, "thread-of-this-project");
  forged.backend_session_id = "thread-of-another-project";
  writeFileSync(file, JSON.stringify(forged));

  const next = await f.engine.continueRun({ run_id: run.run_id, prompt: "go on" });
  await waitForStatus(f.engine, next.run_id, [...ENDED]);
  assert.equal(f.backend.started.at(-1)?.resume_backend_session_id, "thread-of-this-project");

  // Without its file, the session is still the one the server recorded.
  rmSync(file);
  const resumed = f.engine.spawnRun({
    backend: "codex",
    role: "worker",
    cwd: f.cwd,
    prompt: "again",
    session_id: run.session_id,
  });
  await waitForStatus(f.engine, resumed.run_id, [...ENDED]);
  assert.equal(f.backend.started.at(-1)?.resume_backend_session_id, "thread-of-this-project");
  assert.equal(JSON.parse(readFileSync(file, "utf8")).backend_session_id, "thread-of-this-project");
  await f.engine.shutdown();
});
