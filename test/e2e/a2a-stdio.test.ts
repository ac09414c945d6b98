/**
 * One machine hands work to another: the built server over stdio → remote_a2a → our A2A agent → the real codex
 * CLI or Claude Code → fake model servers, all on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type A2aAgent, startA2aAgent } from "../../src/agents/server.js";
import { ClaudeBackend } from "../../src/backends/claude/claude-backend.js";
import { CodexBackend } from "../../src/backends/codex/codex-backend.js";
import { type FakeMessages, startFakeMessages } from "../../src/sim/messages-server.js";
import { type FakeResponses, startFakeResponses } from "../../src/sim/responses-server.js";
import { filesContaining } from "../helpers/files.js";
import { type Connected, connect, pollUntil } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const TOKEN = "wire-token-7Hq2x";

let responses: FakeResponses;
let messages: FakeMessages;
let codexAgent: A2aAgent;
let claudeAgent: A2aAgent;
let mcp: Connected;
const root = tempDir("orch-a2a-e2e-root-");
const home = tempDir("orch-a2a-e2e-home-");

before(async () => {
  responses = await startFakeResponses();
  messages = await startFakeMessages();
  const codexHome = tempDir("orch-a2a-e2e-codex-");
  writeFileSync(join(codexHome, "config.toml"), responses.codexConfigToml());
  codexAgent = await startA2aAgent({
    backend: new CodexBackend({ ...process.env, ...responses.codexEnv(codexHome) }),
    root,
    token: TOKEN,
  });
  claudeAgent = await startA2aAgent({
    backend: new ClaudeBackend({ ...process.env, ...messages.claudeEnv(tempDir("orch-a2a-e2e-claude-")) }),
    root,
    token: TOKEN,
  });
  mcp = await connect([DIST], { ORCHESTRATOR_HOME: home, REMOTE_AGENT_TOKEN: TOKEN });
});

after(async () => {
  await mcp.close();
  await codexAgent.close();
  await claudeAgent.close();
  await responses.close();
  await messages.close();
  assert.deepEqual([...responses.outsideAttempts, ...messages.outsideAttempts], []);
});

const until = async (runId: string, statuses: string[]) => (await pollUntil(mcp, runId, statuses)).events;

const spawnRemote = (
  agent: A2aAgent,
  prompt: string,
  config: Record<string, unknown> = { token_env: "REMOTE_AGENT_TOKEN" },
) =>
  mcp.ok<{ run_id: string; session_id: string }>("spawn_run", {
    backend: "remote_a2a",
    role: "remote-worker",
    cwd: root,
    prompt,
    backend_config: { agent_url: agent.url, ...config },
  });

test("a codex run on the remote agent: command output, completion, and a follow-up in the same conversation", async () => {
  const run = await spawnRemote(codexAgent, "run it [[exec:echo across-the-wire]]");
  const events = await until(run.run_id, ["completed", "failed"]);
  assert.equal(events.at(-1)?.type, "run_completed");
  assert.ok(events.some((e) => e.type === "agent_message" && /across-the-wire/.test(String(e.data.text))));
  const done = await mcp.ok<{ result: { final_response: string } }>("get_run", { run_id: run.run_id });
  assert.match(done.result.final_response, /across-the-wire/);

  const next = await mcp.ok<{ run_id: string }>("continue_run", {
    run_id: run.run_id,
    prompt: "again [[say:second remote turn]]",
  });
  await until(next.run_id, ["completed", "failed"]);
  const second = await mcp.ok<{ result: { final_response: string } }>("get_run", { run_id: next.run_id });
  assert.equal(second.result.final_response, "second remote turn");
  assert.match(
    JSON.stringify(responses.responsesRequests().at(-1)?.body),
    /across-the-wire/,
    "the remote thread was resumed",
  );
});

test("a Claude Code permission request crosses the wire and is answered through continue_run", async () => {
  const run = await spawnRemote(claudeAgent, "make it [[touch:wire.txt]]");
  await until(run.run_id, ["input_required", "completed", "failed"]);
  const waiting = await mcp.ok<{ status: string; pending_input: Record<string, unknown> }>("get_run", {
    run_id: run.run_id,
  });
  assert.equal(waiting.status, "input_required");
  assert.equal(waiting.pending_input.kind, "permission");
  assert.equal(waiting.pending_input.tool, "Bash");
  await mcp.ok("continue_run", {
    run_id: run.run_id,
    input_message: { parts: [{ type: "data", data: { decision: "allow" } }] },
  });
  const events = await until(run.run_id, ["completed", "failed"]);
  assert.equal(events.at(-1)?.type, "run_completed");
  assert.equal(existsSync(join(root, "wire.txt")), true);
});

test("cancel propagates to the remote run; a wrong token is refused; the token is on no file in the store", async () => {
  const run = await spawnRemote(codexAgent, "wait [[hang]]");
  for (let i = 0; i < 100 && responses.activeConnections() === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(responses.activeConnections() > 0, "the remote codex is waiting on the model");
  const cancelled = await mcp.ok<{ status: string }>("cancel_run", { run_id: run.run_id });
  assert.equal(cancelled.status, "cancelled");
  for (let i = 0; i < 100 && responses.activeConnections() > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(responses.activeConnections(), 0, "the remote codex stopped");

  const refused = await spawnRemote(codexAgent, "[[say:x]]", { token: "not-the-token" });
  await until(refused.run_id, ["failed", "completed"]);
  const failed = await mcp.ok<{ status: string; error: { message: string } }>("get_run", {
    run_id: refused.run_id,
  });
  assert.equal(failed.status, "failed");
  assert.match(failed.error.message, /401/);

  const withToken = await spawnRemote(codexAgent, "[[say:inline token]]", { token: TOKEN });
  await until(withToken.run_id, ["completed", "failed"]);
  const leaks = filesContaining([join(root, ".nanobot-orchestrator"), home], TOKEN);
  assert.deepEqual(leaks, []);
});
