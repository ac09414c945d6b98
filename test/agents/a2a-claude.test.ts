/** Claude Code's permission requests across A2A: the real backend and CLI against the fake Messages API. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Task, TaskState } from "@a2a-js/sdk";
import { type A2aAgent, startA2aAgent } from "../../src/agents/server.js";
import { ClaudeBackend } from "../../src/backends/claude/claude-backend.js";
import { type FakeMessages, startFakeMessages } from "../../src/sim/messages-server.js";
import { tempDir } from "../helpers/temp.js";
import { type Client, connect, data, request } from "./a2a-client.js";

let fake: FakeMessages;
let agent: A2aAgent;
let client: Client;
let cwd: string;

before(async () => {
  fake = await startFakeMessages();
  const env = { ...process.env, ...fake.claudeEnv(tempDir("orch-claude-home-")) };
  cwd = tempDir("orch-a2a-claude-cwd-");
  agent = await startA2aAgent({ backend: new ClaudeBackend(env), root: cwd });
  client = await connect(agent.url, { token: agent.token });
});
after(async () => {
  await agent.close();
  assert.deepEqual(fake.outsideAttempts, [], "claude reached for no host but 127.0.0.1");
  await fake.close();
});

function pending(task: Task): Record<string, unknown> | undefined {
  const part = task.status?.message?.parts.find((p) => p.content?.$case === "data");
  return part?.content?.$case === "data" ? (part.content.value as Record<string, unknown>) : undefined;
}

test("a permission request is input-required on the wire; an allow sent to the task lets the command run", async () => {
  const asked = await client.sendMessage(request("make it [[touch:allowed.txt]]", { metadata: { cwd } }));
  assert.ok("status" in asked);
  assert.equal(asked.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
  const req = pending(asked);
  assert.equal(req?.kind, "permission");
  assert.equal(req?.tool, "Bash");
  assert.match(JSON.stringify(req?.input), /touch allowed\.txt/);
  assert.equal(typeof req?.request_id, "string");
  const to = { taskId: asked.id, contextId: asked.contextId };

  const unclear = await client.sendMessage(request("hmm", to));
  assert.ok("status" in unclear);
  assert.equal(unclear.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
  assert.equal(pending(unclear)?.request_id, req?.request_id, "the same request is shown again");

  const done = await client.sendMessage(
    request([data({ decision: "allow", request_id: req?.request_id })], to),
  );
  assert.ok("status" in done);
  assert.equal(done.status?.state, TaskState.TASK_STATE_COMPLETED);
  assert.equal(existsSync(join(cwd, "allowed.txt")), true);
});
