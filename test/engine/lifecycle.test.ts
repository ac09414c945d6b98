import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { OrchestratorError } from "../../src/core/errors.js";
import {
  allEvents,
  makeEngine,
  readArtifact,
  spawnScript,
  waitForStatus,
} from "../helpers/engine-fixture.js";

test("a run goes queued → running → completed, with numbered events and a stored result", async () => {
  const f = makeEngine();
  const spawned = spawnScript(f, [
    { session: "thread-1" },
    { emit: { type: "agent_message", data: { text: "working" } } },
    { emit: { type: "run_completed", data: { final_response: "done", usage: { input_tokens: 3 } } } },
  ]);
  assert.equal(spawned.status, "queued");
  assert.equal(await waitForStatus(f.engine, spawned.run_id, ["completed"]), "completed");
  const events = await allEvents(f.engine, spawned.run_id);
  assert.deepEqual(
    events.map((e) => e.type),
    ["run_started", "status_changed", "agent_message", "run_completed"],
  );
  assert.deepEqual(
    events.map((e) => e.seq),
    [1, 2, 3, 4],
  );
  const run = f.engine.getRun(spawned.run_id);
  assert.equal(run.result?.final_response, "done");
  assert.equal(run.last_seq, 4);
  assert.ok(run.completed_at);
  const dir = join(f.cwd, ".nanobot-orchestrator");
  const result = JSON.parse(readFileSync(join(dir, "runs", spawned.run_id, "result.json"), "utf8"));
  assert.equal(result.final_response, "done");
  const session = JSON.parse(readFileSync(join(dir, "sessions", `${spawned.session_id}.json`), "utf8"));
  assert.equal(session.backend_session_id, "thread-1");
  await f.engine.shutdown();
});

test("a stream that ends without a terminal event is completed by the engine with the last message", async () => {
  const f = makeEngine();
  const { run_id } = spawnScript(f, [{ emit: { type: "agent_message", data: { text: "the answer" } } }]);
  await waitForStatus(f.engine, run_id, ["completed"]);
  assert.equal(f.engine.getRun(run_id).result?.final_response, "the answer");
  await f.engine.shutdown();
});

test("a backend that throws fails the run with its message, as the last event", async () => {
  const f = makeEngine();
  const { run_id } = spawnScript(f, [
    { emit: { type: "reasoning", data: { text: "hm" } } },
    { throw: "model said no" },
  ]);
  await waitForStatus(f.engine, run_id, ["failed"]);
  const run = f.engine.getRun(run_id);
  assert.equal(run.error?.code, "backend_error");
  assert.equal(run.error?.message, "model said no");
  const events = await allEvents(f.engine, run_id);
  assert.equal(events.at(-1)?.type, "run_failed");
  await f.engine.shutdown();
});

test("a big field moves to an artifact that pages back whole", async () => {
  const f = makeEngine();
  const stdout = "line ✓ 日本\n".repeat(20_000);
  const { run_id } = spawnScript(f, [
    { emit: { type: "command_finished", data: { command: "yes", exit_code: 0, stdout } } },
  ]);
  await waitForStatus(f.engine, run_id, ["completed"]);
  const event = (await allEvents(f.engine, run_id)).find((e) => e.type === "command_finished");
  assert.ok(event);
  assert.ok(JSON.stringify(event).length < 16 * 1024);
  const refs = event.data.artifact_refs as { field_path: string; total_bytes: number }[];
  assert.equal(refs[0]?.field_path, "/stdout");
  assert.equal(refs[0]?.total_bytes, Buffer.byteLength(stdout));
  const text = readArtifact(f.engine, run_id, event.seq, "/stdout", 100_003);
  assert.equal(text, stdout);
  await f.engine.shutdown();
});

test("spawn_run refuses bad input naming the field, and writes nothing", async () => {
  const f = makeEngine();
  const base = { backend: "codex", role: "worker", cwd: f.cwd, prompt: "x" };
  writeFileSync(join(f.cwd, "empty.md"), "  \n");
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ cwd: "relative/dir" }, /^cwd: expected an absolute path/],
    [{ cwd: "/no/such/dir" }, /^cwd: no such directory/],
    [{ cwd: join(f.cwd, "empty.md") }, /^cwd: not a directory/],
    [{ backend: "gemini" }, /^backend: expected one of the backends this server runs \(codex\)/],
    [{ role: "" }, /^role: expected a non-empty string/],
    [{ prompt: undefined }, /^prompt: give prompt or input_message/],
    [{ input_message: { parts: [] } }, /^input_message: expected \{parts/],
    [{ input_message: { parts: [{ type: "video" }] } }, /^input_message\.parts\[0\]\.type: expected/],
    [{ session_mode: "resume" }, /^session_id: required with session_mode "resume"/],
    [{ session_mode: "new", session_id: "ses_x" }, /^session_id: only with session_mode "resume"/],
    [{ session_mode: "resume", session_id: "../../etc" }, /^session_id: expected an id matching/],
    [{ session_mode: "resume", session_id: "ses_missing" }, /^session_id: no session ses_missing/],
    [{ profile: "missing.md" }, /^profile: cannot read persona file/],
    [{ profile: "empty.md" }, /^profile: persona file .* is empty/],
    [{ output_schema: [1] }, /^output_schema: expected a JSON object/],
    [{ metadata: { big: "x".repeat(20_000) } }, /^metadata: at most 16384 bytes/],
    [
      { backend_config: { script: [], pad: "x".repeat(1024 * 1024) } },
      /^backend_config: at most 1048576 bytes/,
    ],
    [{ prompt: "x".repeat(1024 * 1024 + 1) }, /^prompt: at most 1048576 bytes/],
    [{ backend_config: { script: "nope" } }, /^backend_config\.script: expected an array/],
  ];
  for (const [patch, pattern] of cases) {
    assert.throws(
      () => f.engine.spawnRun({ ...base, ...patch } as never),
      (error: unknown) => error instanceof OrchestratorError && pattern.test(error.message),
      `expected ${pattern} for ${JSON.stringify(patch).slice(0, 80)}`,
    );
  }
  assert.equal(existsSync(join(f.cwd, ".nanobot-orchestrator")), false);
  assert.equal(f.engine.listRuns({}).runs.length, 0);
  await f.engine.shutdown();
});

test("read calls refuse malformed ids and unknown runs", async () => {
  const f = makeEngine();
  assert.throws(() => f.engine.getRun("../x"), /run_id: expected an id/);
  assert.throws(() => f.engine.getRun("run_nope"), /run_id: no run run_nope/);
  await assert.rejects(f.engine.pollEvents({ run_id: "a/b" }), /run_id: expected an id/);
  const { run_id } = spawnScript(f, []);
  await assert.rejects(f.engine.pollEvents({ run_id, after_seq: -1 }), /after_seq: expected an integer >= 0/);
  assert.throws(
    () => f.engine.getEventArtifact({ run_id, seq: 1, field_path: "/x" }),
    /event 1 \(run_started\) has no artifacts/,
  );
  assert.throws(
    () => f.engine.getEventArtifact({ run_id, seq: 99, field_path: "/x" }),
    /no event with seq 99/,
  );
  assert.throws(
    () => f.engine.getEventArtifact({ run_id, seq: 1, field_path: "x" }),
    /field_path: expected a JSON Pointer/,
  );
  assert.throws(() => f.engine.listRuns({ cursor: "garbage!" }), /cursor/);
  await f.engine.shutdown();
});
