/**
 * The built server over stdio with the real claude_code backend: started with CLAUDECODE=1 (as when Claude Code
 * itself starts the server), Claude Code pointed at the fake Messages server on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { taggedProcesses } from "../../src/backends/process-tree.js";
import { type FakeMessages, startFakeMessages } from "../../src/sim/messages-server.js";
import { type Connected, connect, pollUntil } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

let fake: FakeMessages;
let mcp: Connected;
const cwd = tempDir("orch-claude-e2e-cwd-");

before(async () => {
  fake = await startFakeMessages();
  mcp = await connect([DIST], {
    ...fake.claudeEnv(tempDir("orch-claude-e2e-home-")),
    CLAUDECODE: "1",
    ORCHESTRATOR_HOME: tempDir("orch-claude-e2e-orch-"),
  });
});

after(async () => {
  await mcp.close();
  await fake.close();
  assert.deepEqual(fake.outsideAttempts, []);
});

const until = async (runId: string, statuses: string[]) => (await pollUntil(mcp, runId, statuses)).status;

test("permission over MCP: input_required, pending_input, allow through continue_run, then completed", async () => {
  const run = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "claude_code",
    role: "worker",
    cwd,
    prompt: "make it [[touch:via-mcp.txt]]",
  });
  assert.equal(await until(run.run_id, ["input_required", "completed", "failed"]), "input_required");
  const waiting = await mcp.ok<{ pending_input: { kind: string; tool: string } }>("get_run", {
    run_id: run.run_id,
  });
  assert.equal(waiting.pending_input.kind, "permission");
  assert.equal(waiting.pending_input.tool, "Bash");
  await mcp.ok("continue_run", { run_id: run.run_id, prompt: "allow" });
  assert.equal(await until(run.run_id, ["completed", "failed"]), "completed");
  assert.equal(existsSync(join(cwd, "via-mcp.txt")), true);
});

test("cancel over MCP while Claude Code waits for permission leaves no process", async () => {
  const run = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "claude_code",
    role: "worker",
    cwd,
    prompt: "make it [[touch:cancelled.txt]]",
  });
  assert.equal(await until(run.run_id, ["input_required", "completed", "failed"]), "input_required");
  const cancelled = await mcp.ok<{ status: string }>("cancel_run", { run_id: run.run_id });
  assert.equal(cancelled.status, "cancelled");
  assert.deepEqual(taggedProcesses(run.run_id), []);
  assert.equal(existsSync(join(cwd, "cancelled.txt")), false);
});
