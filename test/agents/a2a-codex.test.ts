/** End to end: the A2A SDK's client → our A2A agent → the real codex backend (SDK and CLI) → the fake model. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type StreamResponse, type Task, TaskState } from "@a2a-js/sdk";
import { type A2aAgent, startA2aAgent } from "../../src/agents/server.js";
import { CodexBackend } from "../../src/backends/codex/codex-backend.js";
import { taggedProcesses } from "../../src/backends/process-tree.js";
import { type FakeResponses, startFakeResponses } from "../../src/sim/responses-server.js";
import { tempDir } from "../helpers/temp.js";
import { type Client, collect, connect, describe, request } from "./a2a-client.js";

let fake: FakeResponses;
let agent: A2aAgent;
let client: Client;
let cwd: string;

before(async () => {
  fake = await startFakeResponses();
  // The operator's own provider config, in the codex home: callers may not pass codex `config` by default.
  const codexHome = tempDir("orch-codex-home-");
  writeFileSync(join(codexHome, "config.toml"), fake.codexConfigToml());
  const env = { ...process.env, ...fake.codexEnv(codexHome) };
  cwd = tempDir("orch-a2a-codex-cwd-");
  agent = await startA2aAgent({ backend: new CodexBackend(env), root: cwd, token: "tok" });
  client = await connect(agent.url, { token: "tok" });
});
after(async () => {
  await agent.close();
  assert.deepEqual(fake.outsideAttempts, [], "codex reached for no host but 127.0.0.1");
  await fake.close();
});

const metadata = () => ({ cwd });

function taskOf(events: StreamResponse[]): Task {
  const first = events[0]?.payload;
  assert.equal(first?.$case, "task");
  return first.value;
}

test("a codex turn runs a command and completes; the next message in the context resumes its thread", async () => {
  const events = await collect(
    client.sendMessageStream(request("run it [[exec:echo via-a2a]]", { metadata: metadata() })),
  );
  const lines = events.map(describe);
  assert.equal(lines.at(-1), `status:${TaskState.TASK_STATE_COMPLETED}`, lines.join("\n"));
  assert.ok(
    lines.some((l) => /^status:2 \$ .*echo via-a2a.*\(exit 0\)\nvia-a2a/s.test(l)),
    `the command and its output are shown:\n${lines.join("\n")}`,
  );
  const task = await client.getTask({ tenant: "", id: taskOf(events).id, historyLength: 0 });
  const final = task.artifacts.find((a) => a.name === "final_response");
  const answer = final?.parts[0]?.content;
  assert.equal(answer?.$case, "text");
  assert.match(String(answer?.value), /^ran it\. output:[\s\S]*\bvia-a2a\n/);
  assert.equal((final?.metadata?.usage as { input_tokens?: number })?.input_tokens, 200);
  assert.equal(task.metadata?.cwd, cwd);

  const second = await client.sendMessage(
    request("and again [[say:second answer]]", { contextId: task.contextId, metadata: metadata() }),
  );
  assert.ok("status" in second);
  assert.equal(second.status?.state, TaskState.TASK_STATE_COMPLETED);
  assert.deepEqual(second.artifacts[0]?.parts[0]?.content, { $case: "text", value: "second answer" });
  const last = fake.responsesRequests().at(-1);
  assert.match(JSON.stringify(last?.body), /echo via-a2a/, "the resumed turn carries turn 1");
});

test("CancelTask stops a hanging codex turn and its processes", async () => {
  const asked = await client.sendMessage({
    ...request("wait [[hang]]", { metadata: metadata() }),
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately: true,
    },
  });
  assert.ok("status" in asked);
  const runId = String(asked.metadata?.run_id);
  for (let i = 0; i < 100 && !fake.responsesRequests().some((r) => r.answer === "hang"); i++)
    await sleep(100);
  assert.ok(taggedProcesses(runId).length > 0, "codex runs");
  const cancelled = await client.cancelTask({ tenant: "", id: asked.id, metadata: undefined });
  assert.equal(cancelled.status?.state, TaskState.TASK_STATE_CANCELED);
  assert.deepEqual(taggedProcesses(runId), [], "no process of the turn is left");
});
