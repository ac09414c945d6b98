/** `runs list/show/tail/cancel/continue` and `artifact get`, typed as a user types them, on a real store. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cli } from "../helpers/cli.js";
import { type Fixture, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

const home = tempDir("orch-cli-home-");
const env = { ORCHESTRATOR_HOME: home };
const big = "output line ünïcødé 🚀\n".repeat(5_000);
const ids = { completed: "", failed: "", cancelled: "", waiting: "" };
// The engine stays alive through the tests: it hosts the waiting run (as a live MCP server would).
let f: Fixture;

before(async () => {
  // "scripted" is a backend the command line's own engine does not run: a follow-up run there is refused.
  f = makeEngine({}, home, "scripted");
  ids.completed = spawnScript(f, [
    { emit: { type: "agent_message", data: { text: "Reading the log\nthen fixing" } } },
    { emit: { type: "command_finished", data: { command: "cat big.log", exit_code: 0, stdout: big } } },
    { emit: { type: "file_changed", data: { changes: [{ path: "src/a.ts", kind: "update" }] } } },
    { emit: { type: "run_completed", data: { final_response: "all done" } } },
  ]).run_id;
  await waitForStatus(f.engine, ids.completed, ["completed"]);
  ids.failed = spawnScript(f, [{ throw: "the agent broke" }]).run_id;
  await waitForStatus(f.engine, ids.failed, ["failed"]);
  ids.cancelled = spawnScript(f, [{ hang: true }]).run_id;
  await waitForStatus(f.engine, ids.cancelled, ["running"]);
  await f.engine.cancelRun(ids.cancelled);
  ids.waiting = spawnScript(f, [{ ask: { kind: "permission", text: "Bash wants to run touch x" } }]).run_id;
  await waitForStatus(f.engine, ids.waiting, ["input_required"]);
});

after(async () => {
  await f.engine.shutdown();
});

test("runs list prints a table of every run, newest first", async () => {
  const { code, stdout } = await cli(["runs", "list"], env);
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^ID\s+STATUS\s+BACKEND\s+ROLE\s+AGE\s+CWD\s+SUMMARY$/);
  assert.deepEqual(
    lines.slice(1).map((line) => line.split(/\s+/).slice(0, 4)),
    [
      [ids.waiting, "input_required", "scripted", "worker"],
      [ids.cancelled, "cancelled", "scripted", "worker"],
      [ids.failed, "failed", "scripted", "worker"],
      [ids.completed, "completed", "scripted", "worker"],
    ],
  );
  assert.match(lines[4] ?? "", /all done$/);
  assert.match(lines[3] ?? "", /the agent broke$/);
});

test("runs list filters, pages with --cursor, and --json prints list_runs' answer", async () => {
  const failed = JSON.parse((await cli(["runs", "list", "--status", "failed", "--json"], env)).stdout);
  assert.deepEqual(
    failed.runs.map((r: { run_id: string }) => r.run_id),
    [ids.failed],
  );
  const first = JSON.parse((await cli(["runs", "list", "--limit", "3", "--json"], env)).stdout);
  assert.equal(first.runs.length, 3);
  assert.equal(typeof first.next_cursor, "string");
  const text = await cli(["runs", "list", "--limit", "3"], env);
  assert.match(text.stdout, new RegExp(`more runs: add --cursor ${first.next_cursor}`));
  const rest = JSON.parse((await cli(["runs", "list", "--cursor", first.next_cursor, "--json"], env)).stdout);
  assert.deepEqual(
    rest.runs.map((r: { run_id: string }) => r.run_id),
    [ids.completed],
  );
  assert.equal(rest.next_cursor, undefined);
  const byCwd = JSON.parse(
    (await cli(["runs", "list", "--cwd", f.cwd, "--role", "worker", "--json"], env)).stdout,
  );
  assert.equal(byCwd.runs.length, 4);
  const none = await cli(["runs", "list", "--backend", "codex"], env);
  assert.equal(none.stdout, "no runs\n");
});

test("runs list refuses a bad filter and says what is allowed", async () => {
  const status = await cli(["runs", "list", "--status", "done"], env);
  assert.notEqual(status.code, 0);
  assert.match(
    status.stderr,
    /option '--status <status>' argument 'done' is invalid\. Allowed choices are queued, running/,
  );
  const limit = await cli(["runs", "list", "--limit", "ten"], env);
  assert.notEqual(limit.code, 0);
  assert.match(limit.stderr, /--limit <n>.*expected an integer >= 1/);
  const cursor = await cli(["runs", "list", "--cursor", "nope!"], env);
  assert.equal(cursor.code, 1);
  assert.match(cursor.stderr, /error: invalid_input: cursor: expected a next_cursor/);
});

test("runs show prints the result, the error and the pending input; --json prints get_run's answer", async () => {
  const done = await cli(["runs", "show", ids.completed], env);
  assert.equal(done.code, 0);
  assert.match(done.stdout, new RegExp(`^run\\s+${ids.completed}$`, "m"));
  assert.match(done.stdout, /^status\s+completed$/m);
  assert.match(done.stdout, /^result\n {2}all done$/m);
  const failed = await cli(["runs", "show", ids.failed], env);
  assert.match(failed.stdout, /^error backend_error: the agent broke$/m);
  const waiting = await cli(["runs", "show", ids.waiting], env);
  assert.match(waiting.stdout, /^waits for permission\n {2}Bash wants to run touch x$/m);
  assert.match(
    waiting.stdout,
    new RegExp(`answer: orchestration-mcp runs continue ${ids.waiting} allow\\|deny`),
  );
  const json = JSON.parse((await cli(["runs", "show", ids.completed, "--json"], env)).stdout);
  assert.deepEqual(json, f.engine.getRun(ids.completed));
});

test("runs tail prints events as one-liners and exits with how the run ended", async () => {
  const done = await cli(["runs", "tail", ids.completed, "--from-start"], env);
  assert.equal(done.code, 0, done.stderr);
  const lines = done.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 6);
  assert.match(lines[0] ?? "", /^\d\d:\d\d:\d\d +#1 run_started +worker in .* \(new session\): scripted$/);
  assert.match(lines[2] ?? "", /#3 agent_message +Reading the log then fixing$/);
  const kib = (Buffer.byteLength(big) / 1024).toFixed(1);
  assert.match(
    lines[3] ?? "",
    new RegExp(`#4 command_finished \\$ cat big\\.log → exit 0 \\[artifact: /stdout ${kib} KiB\\]$`),
  );
  assert.match(lines[4] ?? "", /#5 file_changed +update src\/a\.ts$/);
  assert.match(lines[5] ?? "", /#6 run_completed +all done$/);

  const failed = await cli(["runs", "tail", ids.failed], env);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /run_failed +backend_error: the agent broke\n$/);
  const cancelled = await cli(["runs", "tail", ids.cancelled], env);
  assert.equal(cancelled.code, 2);
  assert.match(cancelled.stdout, /run_cancelled +cancelled by the caller\n$/);
});

test("runs tail stops at a run that waits for input, says what it asks and how to answer (exit 3)", async () => {
  const { code, stdout } = await cli(["runs", "tail", ids.waiting], env);
  assert.equal(code, 3);
  assert.match(stdout, /input_required +permission: Bash wants to run touch x\n/);
  assert.match(stdout, new RegExp(`run ${ids.waiting} waits for permission: Bash wants to run touch x\n`));
  assert.match(stdout, new RegExp(`answer: orchestration-mcp runs continue ${ids.waiting} allow`));
});

test("runs tail --after and --json print the events after a seq as JSON lines", async () => {
  const { code, stdout } = await cli(["runs", "tail", ids.completed, "--after", "3", "--json"], env);
  assert.equal(code, 0);
  const events = stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    events.map((e) => [e.seq, e.type]),
    [
      [4, "command_finished"],
      [5, "file_changed"],
      [6, "run_completed"],
    ],
  );
  const both = await cli(["runs", "tail", ids.completed, "--after", "3", "--from-start"], env);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /error: option '--from-start' cannot be used with option '--after <seq>'/);
});

test("runs tail follows a live run hosted by another process until it ends", async () => {
  const live = spawnScript(f, [
    { sleep: 1_000 },
    { emit: { type: "agent_message", data: { text: "halfway" } } },
    { sleep: 500 },
    { emit: { type: "command_started", data: { command: "npm test" } } },
    { emit: { type: "run_completed", data: { final_response: "finished live" } } },
  ]).run_id;
  const started = Date.now();
  const { code, stdout } = await cli(["runs", "tail", live], env);
  assert.equal(code, 0);
  assert.ok(Date.now() - started >= 1_000, "it waited for the run");
  assert.match(
    stdout,
    /agent_message +halfway\n.*command_started +\$ npm test\n.*run_completed +finished live\n$/,
  );
});

test("artifact get streams a big field byte for byte; --json gives it with its metadata", async () => {
  const { code, raw } = await cli(["artifact", "get", ids.completed, "4", "/stdout"], env);
  assert.equal(code, 0);
  assert.ok(raw.equals(Buffer.from(big, "utf8")), "the bytes are the original ones");
  const json = JSON.parse(
    (await cli(["artifact", "get", ids.completed, "4", "stdout", "--json"], env)).stdout,
  );
  assert.equal(json.content, big);
  assert.equal(json.total_bytes, Buffer.byteLength(big));
  assert.equal(json.field_path, "/stdout");
  const inline = await cli(["artifact", "get", ids.completed, "3", "/text"], env);
  assert.equal(inline.code, 1);
  assert.match(inline.stderr, /error: not_found: event 3 \(agent_message\) has no artifacts/);
  const seq = await cli(["artifact", "get", ids.completed, "x", "/stdout"], env);
  assert.notEqual(seq.code, 0);
  assert.match(seq.stderr, /value 'x' is invalid for argument 'seq'\. expected an integer >= 1/);
});

test("cancel and continue of a finished run; a run hosted by a live process is refused clearly", async () => {
  const cancel = await cli(["runs", "cancel", ids.completed], env);
  assert.equal(cancel.code, 0);
  assert.equal(cancel.stdout, `run ${ids.completed} had already ended (completed): nothing to cancel\n`);
  const cancelJson = JSON.parse((await cli(["runs", "cancel", ids.failed, "--json"], env)).stdout);
  assert.deepEqual(cancelJson, { run_id: ids.failed, status: "failed" });

  const follow = await cli(["runs", "continue", ids.completed, "and", "now", "a", "test"], env);
  assert.equal(follow.code, 4);
  assert.match(follow.stderr, /error: invalid_input: backend: expected one of the backends this server runs/);

  const hosted = `run ${ids.waiting} is hosted by another orchestration-mcp process \\(pid ${process.pid}\\)`;
  const answer = await cli(["runs", "continue", ids.waiting, "allow"], env);
  assert.equal(answer.code, 4);
  assert.match(answer.stderr, new RegExp(`error: conflict: ${hosted}`));
  const stop = await cli(["runs", "cancel", ids.waiting], env);
  assert.equal(stop.code, 1);
  assert.match(stop.stderr, new RegExp(`error: conflict: ${hosted}`));
  assert.equal(f.engine.getRun(ids.waiting).status, "input_required");
});

test("a bad or unknown run id is a clear error", async () => {
  const bad = await cli(["runs", "show", "not an id"], env);
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stderr,
    'error: invalid_input: run_id: expected an id matching ^[A-Za-z0-9_-]{1,128}$, got "not an id"\n',
  );
  const unknown = await cli(["runs", "tail", "run_nope"], env);
  assert.equal(unknown.code, 4);
  assert.match(unknown.stderr, /^error: not_found: run_id: no run run_nope/);
  const missing = await cli(["runs", "show"], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: missing required argument 'run-id'/);
});
