/** The claude_code backend through the engine: the real SDK and binary against the fake Messages server. */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { taggedProcesses } from "../../src/backends/process-tree.js";
import { ANSWER_SCHEMA } from "../../src/sim/messages-server.js";
import { type ClaudeFixture, claudeFixture } from "../helpers/claude-fixture.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";

let f: ClaudeFixture;
before(async () => {
  f = await claudeFixture();
});
after(async () => {
  assert.deepEqual(f.fake.outsideAttempts, [], "Claude Code reached for no host but 127.0.0.1");
  await f.close();
});

const ENDED = ["completed", "failed", "cancelled"] as const;
const until = (runId: string, statuses: readonly string[]) =>
  waitForStatus(f.engine, runId, [...statuses] as never, 60_000);

test("a text run, started from a server that itself runs inside Claude Code (CLAUDECODE=1)", async () => {
  const run = f.spawn("hello [[say:hi from claude]]");
  assert.equal(await until(run.run_id, ENDED), "completed");
  const summary = f.engine.getRun(run.run_id);
  assert.equal(summary.result?.final_response, "hi from claude");
  assert.ok((summary.result?.usage?.output_tokens ?? 0) > 0);
  const types = (await allEvents(f.engine, run.run_id)).map((e) => e.type);
  assert.deepEqual(types.slice(-3), ["agent_message", "usage_updated", "run_completed"]);
  assert.ok(types.includes("status_changed"));
});

test("a Bash echo: command events with its output; resume continues the same session", async () => {
  const run = f.spawn("run [[bash:echo claude-echo-77]]");
  assert.equal(await until(run.run_id, ENDED), "completed");
  const events = await allEvents(f.engine, run.run_id);
  const started = events.find((e) => e.type === "command_started");
  const finished = events.find((e) => e.type === "command_finished");
  assert.equal(started?.data.command, "echo claude-echo-77");
  assert.equal(finished?.data.exit_code, 0);
  assert.match(String(finished?.data.stdout), /claude-echo-77/);
  assert.ok((started?.seq ?? 0) < (finished?.seq ?? 0));

  const next = await f.engine.continueRun({ run_id: run.run_id, prompt: "and now [[say:second turn]]" });
  assert.equal(await until(next.run_id, ENDED), "completed");
  assert.equal(f.engine.getRun(next.run_id).result?.final_response, "second turn");
  const last = f.fake.messagesRequests().at(-1);
  assert.match(JSON.stringify(last?.body), /claude-echo-77/, "the resumed session carries turn 1");
});

test("a permission request becomes input_required; allow lets the command run", async () => {
  const run = f.spawn("make it [[touch:allowed.txt]]");
  assert.equal(await until(run.run_id, ["input_required", ...ENDED]), "input_required");
  const pending = f.engine.getRun(run.run_id).pending_input;
  assert.equal(pending?.kind, "permission");
  assert.equal(pending?.tool, "Bash");
  assert.match(JSON.stringify(pending?.input), /touch allowed\.txt/);
  assert.ok(typeof pending?.request_id === "string");
  await assert.rejects(
    f.engine.continueRun({ run_id: run.run_id, prompt: "hmm" }),
    /answer the permission request for Bash/,
  );
  const answered = await f.engine.continueRun({
    run_id: run.run_id,
    input_message: {
      parts: [{ type: "data", data: { decision: "allow", request_id: pending?.request_id } }],
    },
  });
  assert.equal(answered.status, "running");
  assert.equal(await until(run.run_id, ENDED), "completed");
  assert.equal(existsSync(join(f.cwd, "allowed.txt")), true);
});

test("deny tells the agent, and the run completes without the file", async () => {
  const run = f.spawn("make it [[touch:denied.txt]]");
  assert.equal(await until(run.run_id, ["input_required", ...ENDED]), "input_required");
  await f.engine.continueRun({ run_id: run.run_id, prompt: "deny" });
  assert.equal(await until(run.run_id, ENDED), "completed");
  assert.equal(existsSync(join(f.cwd, "denied.txt")), false);
  const finished = (await allEvents(f.engine, run.run_id)).find((e) => e.type === "command_finished");
  assert.equal(finished?.data.is_error, true);
});

test("a question from the agent is answered through continue_run", async () => {
  const run = f.spawn("ask me [[ask:Which colour?]]");
  assert.equal(await until(run.run_id, ["input_required", ...ENDED]), "input_required");
  const pending = f.engine.getRun(run.run_id).pending_input;
  assert.equal(pending?.kind, "question");
  assert.equal(pending?.text, "Which colour?");
  await f.engine.continueRun({ run_id: run.run_id, prompt: "Teal, please" });
  assert.equal(await until(run.run_id, ENDED), "completed");
  assert.match(f.engine.getRun(run.run_id).result?.final_response ?? "", /Teal, please/);
});

test("structured output comes back in the result", async () => {
  const run = f.spawn("answer [[json]]", { output_schema: ANSWER_SCHEMA });
  assert.equal(await until(run.run_id, ENDED), "completed");
  assert.deepEqual(f.engine.getRun(run.run_id).result?.structured_output, { answer: "42" });
});

test("an HTTP 500 fails the run within seconds with Claude Code's message", async () => {
  const started = Date.now();
  const run = f.spawn("fail [[http500]]");
  assert.equal(await until(run.run_id, ENDED), "failed");
  assert.ok(Date.now() - started < 15_000);
  assert.match(f.engine.getRun(run.run_id).error?.message ?? "", /500/);
  const events = await allEvents(f.engine, run.run_id);
  assert.equal(events.filter((e) => e.type === "run_failed").length, 1);
});

test("cancel while running and while waiting for permission: run_cancelled, no process left", async () => {
  const hanging = f.spawn("wait [[hang]]");
  await until(hanging.run_id, ["running"]);
  for (let i = 0; i < 100 && f.fake.activeConnections() === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(taggedProcesses(hanging.run_id).length > 0);
  const started = Date.now();
  assert.equal((await f.engine.cancelRun(hanging.run_id)).status, "cancelled");
  assert.ok(Date.now() - started < 5_000, `cancel took ${Date.now() - started} ms`);
  assert.deepEqual(taggedProcesses(hanging.run_id), []);

  const waiting = f.spawn("make it [[touch:never.txt]]");
  assert.equal(await until(waiting.run_id, ["input_required", ...ENDED]), "input_required");
  assert.equal((await f.engine.cancelRun(waiting.run_id)).status, "cancelled");
  assert.deepEqual(taggedProcesses(waiting.run_id), []);
  assert.equal(existsSync(join(f.cwd, "never.txt")), false);
});

test("a profile is appended to Claude Code's system prompt", async () => {
  writeFileSync(join(f.cwd, "persona.md"), "Persona-marker-42: answer tersely.");
  const run = f.spawn("who are you [[say:terse]]", { profile: "persona.md" });
  assert.equal(await until(run.run_id, ENDED), "completed");
  const body = f.fake.messagesRequests().at(-1)?.body as { system?: unknown } | undefined;
  assert.match(JSON.stringify(body?.system), /Persona-marker-42/);
});

test("bypassPermissions runs without asking, also as root (IS_SANDBOX is set for the child)", async () => {
  const run = f.spawn("make it [[touch:bypassed.txt]]", {
    backend_config: { permission_mode: "bypassPermissions" },
  });
  assert.equal(await until(run.run_id, ["input_required", ...ENDED]), "completed");
  assert.equal(existsSync(join(f.cwd, "bypassed.txt")), true);
});

test("on_permission deny answers at once, without input_required", async () => {
  const run = f.spawn("make it [[touch:policy-denied.txt]]", { backend_config: { on_permission: "deny" } });
  assert.equal(await until(run.run_id, ["input_required", ...ENDED]), "completed");
  assert.equal(existsSync(join(f.cwd, "policy-denied.txt")), false);
  assert.equal((await allEvents(f.engine, run.run_id)).filter((e) => e.type === "input_required").length, 0);
});
