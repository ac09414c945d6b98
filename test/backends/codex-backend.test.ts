/** The codex backend through the engine: the real SDK and CLI against the fake Responses server. */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { taggedProcesses } from "../../src/backends/process-tree.js";
import { type CodexFixture, codexFixture } from "../helpers/codex-fixture.js";
import { allEvents, readArtifact, waitForStatus } from "../helpers/engine-fixture.js";

let f: CodexFixture;
before(async () => {
  f = await codexFixture();
});
after(async () => {
  assert.deepEqual(f.fake.outsideAttempts, [], "codex reached for no host but 127.0.0.1");
  await f.close();
});

const ENDED = ["completed", "failed", "cancelled"] as const;

test("a shell command: events in order, the output, usage per turn, and the thread kept for resume", async () => {
  const run = f.spawn("run it [[exec:echo hello-from-codex]]");
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  const events = await allEvents(f.engine, run.run_id);
  const types = events.map((e) => e.type);
  assert.deepEqual(types.slice(0, 2), ["run_started", "status_changed"]);
  assert.deepEqual(types.slice(-2), ["usage_updated", "run_completed"]);
  const started = types.indexOf("command_started");
  const finished = types.indexOf("command_finished");
  assert.ok(started > 1 && finished > started && types.indexOf("agent_message") > finished, types.join(","));
  const command = events[finished]?.data;
  assert.match(String(command?.command), /echo hello-from-codex/);
  assert.equal(command?.exit_code, 0);
  assert.match(String(command?.stdout), /hello-from-codex/);
  const usage = events.at(-2)?.data;
  assert.equal(usage?.input_tokens, 200, "two model steps of 100 input tokens each");
  const summary = f.engine.getRun(run.run_id);
  assert.match(summary.result?.final_response ?? "", /hello-from-codex/);
  assert.equal(summary.result?.usage?.output_tokens, 20);
  const session = JSON.parse(
    readFileSync(join(f.cwd, ".nanobot-orchestrator", "sessions", `${run.session_id}.json`), "utf8"),
  );
  assert.match(session.backend_session_id, /^[0-9a-f-]{36}$/);

  // Resume: the follow-up is a turn of the same thread, and the fake sees the earlier history.
  const next = await f.engine.continueRun({ run_id: run.run_id, prompt: "and again [[say:second answer]]" });
  assert.equal(await waitForStatus(f.engine, next.run_id, [...ENDED], 60_000), "completed");
  assert.equal(f.engine.getRun(next.run_id).result?.final_response, "second answer");
  const last = f.fake.responsesRequests().at(-1);
  assert.match(JSON.stringify(last?.body), /echo hello-from-codex/, "the resumed turn carries turn 1");
  assert.equal(last?.headers["thread-id"], session.backend_session_id);
  const secondUsage = (await allEvents(f.engine, next.run_id)).find((e) => e.type === "usage_updated")?.data;
  assert.equal(secondUsage?.input_tokens, 100, "per-turn, not the thread's running total");
  assert.equal(secondUsage?.per_turn, true);
});

test("a file change lands in the cwd and is reported", async () => {
  const run = f.spawn("add it [[patch:sub/hello.txt:hello file]]");
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  const changed = (await allEvents(f.engine, run.run_id)).find((e) => e.type === "file_changed");
  assert.deepEqual(changed?.data.changes, [{ path: join(f.cwd, "sub/hello.txt"), kind: "add" }]);
  assert.equal(readFileSync(join(f.cwd, "sub/hello.txt"), "utf8").trim(), "hello file");
});

test("output over 1 MB moves to an artifact and pages back whole", async () => {
  const run = f.spawn("make noise [[big:1500000]]");
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  const finished = (await allEvents(f.engine, run.run_id)).find((e) => e.type === "command_finished");
  assert.ok(finished);
  assert.ok(Buffer.byteLength(JSON.stringify(finished)) < 16 * 1024);
  const ref = (finished.data.artifact_refs as { field_path: string; total_bytes: number }[])[0];
  assert.equal(ref?.field_path, "/stdout");
  const text = readArtifact(f.engine, run.run_id, finished.seq, "/stdout", 100_003);
  assert.equal(Buffer.byteLength(text), ref.total_bytes);
  assert.ok(ref.total_bytes > 1_000_000, "codex keeps 1 MiB of the output");
  assert.match(text, /^a{1000}/);
  assert.equal(
    text
      .replace(/\n?\.\.\. \d+ bytes omitted \.\.\.\n?/, "")
      .replace(/a/g, "")
      .trim(),
    "",
  );
});

test("structured output is parsed from the final message when a schema was given", async () => {
  const schema = {
    type: "object",
    properties: { answer: { type: "string" } },
    required: ["answer"],
    additionalProperties: false,
  };
  const run = f.spawn("answer [[json]]", { output_schema: schema });
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  assert.deepEqual(f.engine.getRun(run.run_id).result?.structured_output, { answer: "42" });
  const request = f.fake.responsesRequests().at(-1)?.body as { text?: { format?: { type?: string } } };
  assert.equal(request.text?.format?.type, "json_schema");
});

test("an HTTP 500 fails the run quickly with the CLI's message", async () => {
  const started = Date.now();
  const run = f.spawn("fail [[http500]]");
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "failed");
  assert.ok(Date.now() - started < 15_000);
  const error = f.engine.getRun(run.run_id).error;
  assert.equal(error?.code, "backend_error");
  assert.ok((error?.message ?? "").length > 10, error?.message);
  const events = await allEvents(f.engine, run.run_id);
  assert.equal(events.filter((e) => e.type === "run_failed").length, 1);
  assert.equal(events.at(-1)?.type, "run_failed");
});

test("cancel mid-turn ends the run and every process it started", async () => {
  const run = f.spawn("wait [[hang]]");
  await waitForStatus(f.engine, run.run_id, ["running"], 30_000);
  for (let i = 0; i < 100 && f.fake.activeConnections() === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(taggedProcesses(run.run_id).length > 0, "codex runs, tagged with the run id");
  const started = Date.now();
  assert.equal((await f.engine.cancelRun(run.run_id)).status, "cancelled");
  assert.ok(Date.now() - started < 5_000);
  assert.deepEqual(taggedProcesses(run.run_id), []);
  assert.equal((await allEvents(f.engine, run.run_id)).at(-1)?.type, "run_cancelled");
});

test("a process the agent leaves running in the background is ended with the run", async () => {
  const run = f.spawn("detach [[exec:setsid sleep 300 > /dev/null 2>&1 & echo detached]]");
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  assert.deepEqual(taggedProcesses(run.run_id), []);
  assert.equal(existsSync(join(f.cwd, ".nanobot-orchestrator", "runs", run.run_id, "result.json")), true);
});

test("bad codex options are refused at spawn, naming the field", () => {
  assert.throws(
    () => f.spawn("x", { backend_config: { sandbox_mode: "yolo" } }),
    /backend_config\.sandbox_mode: expected one of read-only/,
  );
  assert.throws(
    () => f.spawn("x", { backend_config: { network_access: "maybe" } }),
    /backend_config\.network_access/,
  );
  assert.throws(
    () => f.spawn("x", { backend_config: { modle: "gpt" } }),
    /backend_config\.modle: unknown codex option/,
  );
});

test("a profile's text reaches codex before the prompt, on every turn of the session", async () => {
  writeFileSync(join(f.cwd, "reviewer.md"), "You are a strict reviewer. Persona-marker-7.");
  const run = f.spawn("review [[say:ok]]", { profile: "reviewer.md" });
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  const first = f.fake.responsesRequests().at(-1);
  assert.match(
    String(first?.prompt),
    /^<instructions>\nYou are a strict reviewer\. Persona-marker-7\.\n<\/instructions>\n\nreview/,
  );
  const next = await f.engine.continueRun({ run_id: run.run_id, prompt: "again [[say:ok2]]" });
  assert.equal(await waitForStatus(f.engine, next.run_id, [...ENDED], 60_000), "completed");
  assert.match(String(f.fake.responsesRequests().at(-1)?.prompt), /Persona-marker-7[\s\S]*again/);
});
