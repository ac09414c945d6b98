/** Our A2A agent wrapping the scripted backend, driven by the A2A SDK's own client (JSON-RPC and REST). */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe as suite, test } from "node:test";
import { type StreamResponse, type Task, TaskState } from "@a2a-js/sdk";
import { type A2aAgent, startA2aAgent } from "../../src/agents/server.js";
import type { Step } from "../helpers/scripted-backend.js";
import { ScriptedBackend } from "../helpers/scripted-backend.js";
import { tempDir } from "../helpers/temp.js";
import { type Client, collect, connect, data, describe, request } from "./a2a-client.js";

const script = (steps: Step[], extra: Record<string, unknown> = {}) => ({
  backend_config: { script: steps },
  ...extra,
});
const say = (text: string): Step => ({ emit: { type: "agent_message", data: { text } } });

function taskOf(events: StreamResponse[]): Task {
  const first = events[0]?.payload;
  assert.equal(first?.$case, "task", "the first event of every stream is the task");
  return first.value;
}

function lastStatus(events: StreamResponse[]) {
  const statuses = events.flatMap((e) => (e.payload?.$case === "statusUpdate" ? [e.payload.value] : []));
  return statuses.at(-1)?.status;
}

function statusText(status: ReturnType<typeof lastStatus>): string {
  return (status?.message?.parts ?? [])
    .flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : []))
    .join(" ");
}

function statusData(status: ReturnType<typeof lastStatus>): unknown {
  return status?.message?.parts.find((p) => p.content?.$case === "data")?.content?.value;
}

const getTask = (client: Client, id: string) => client.getTask({ tenant: "", id, historyLength: undefined });

suite("A2A agent over a scripted backend", () => {
  let backend: ScriptedBackend;
  let agent: A2aAgent;
  let client: Client;
  let root: string;

  before(async () => {
    root = tempDir("orch-a2a-root-");
    backend = new ScriptedBackend("codex");
    // The scripted backend takes its script from backend_config: this suite lets every field through.
    agent = await startA2aAgent({ backend, root, cancelGraceMs: 2_000, policy: { check: () => undefined } });
    client = await connect(agent.url, { token: agent.token });
  });
  after(async () => {
    await agent.close();
  });

  test("a turn streams working updates and completes with the final answer as an artifact", async () => {
    const events = await collect(
      client.sendMessageStream(
        request("do it", {
          metadata: script([
            say("looking around"),
            { emit: { type: "command_started", data: { command: "ls" } } },
            {
              emit: {
                type: "command_finished",
                data: { command: "ls", exit_code: 0, stdout: "a.ts\nb.ts\n" },
              },
            },
            { emit: { type: "file_changed", data: { changes: [{ path: "a.ts", kind: "update" }] } } },
            { emit: { type: "usage_updated", data: { input_tokens: 10, output_tokens: 2 } } },
            {
              emit: {
                type: "run_completed",
                data: { final_response: "all done", structured_output: { ok: true } },
              },
            },
          ]),
        }),
      ),
    );
    assert.deepEqual(events.map(describe), [
      `task:${TaskState.TASK_STATE_SUBMITTED}`,
      `status:${TaskState.TASK_STATE_WORKING}`,
      `status:${TaskState.TASK_STATE_WORKING} looking around`,
      `status:${TaskState.TASK_STATE_WORKING} $ ls`,
      `status:${TaskState.TASK_STATE_WORKING} $ ls  (exit 0)\na.ts\nb.ts`,
      "artifact:file_changes",
      "artifact:final_response",
      `status:${TaskState.TASK_STATE_COMPLETED}`,
    ]);
    const task = await getTask(client, taskOf(events).id);
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    const final = task.artifacts.find((a) => a.name === "final_response");
    assert.deepEqual(
      final?.parts.map((p) => p.content),
      [
        { $case: "text", value: "all done" },
        { $case: "data", value: { ok: true } },
      ],
    );
    assert.deepEqual(final?.metadata, { usage: { input_tokens: 10, output_tokens: 2 } });
    const spec = backend.started.at(-1);
    assert.equal(spec?.prompt, "do it");
    assert.equal(spec?.cwd, root, "without metadata.cwd a turn runs in the root");
    assert.match(spec?.run_id ?? "", /^[A-Za-z0-9_-]+$/);
    assert.match(spec?.session_id ?? "", /^[A-Za-z0-9_-]+$/);
  });

  test("the REST interface runs turns too; a stream without a terminal event ends with the last message", async () => {
    const rest = await connect(agent.url, { token: agent.token, transport: "HTTP+JSON" });
    assert.equal(rest.transport.protocolName, "HTTP+JSON");
    const events = await collect(rest.sendMessageStream(request("over rest")));
    assert.equal(lastStatus(events)?.state, TaskState.TASK_STATE_COMPLETED);
    const task = await getTask(rest, taskOf(events).id);
    assert.deepEqual(task.artifacts[0]?.parts[0]?.content, { $case: "text", value: "echo: over rest" });
  });

  test("data parts reach the backend as input_message; a blocking SendMessage returns the finished task", async () => {
    const result = await client.sendMessage(
      request([data({ ticket: 42 })], { metadata: script([say("ok")]) }),
    );
    assert.ok("status" in result);
    assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
    const spec = backend.started.at(-1);
    assert.equal(spec?.prompt, undefined);
    assert.deepEqual(spec?.input_message, { role: "user", parts: [{ type: "data", data: { ticket: 42 } }] });
  });

  test("input_required pauses the task; a message to the same task answers it and the turn completes", async () => {
    const request_ = {
      kind: "permission",
      request_id: "req-1",
      tool: "Bash",
      input: { command: "touch x" },
      text: "Claude wants to use Bash",
    };
    const first = await collect(
      client.sendMessageStream(
        request("touch x", { metadata: script([say("need permission"), { ask: request_ }, say("touched")]) }),
      ),
    );
    const task = taskOf(first);
    const paused = lastStatus(first);
    assert.equal(paused?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
    assert.equal(statusText(paused), "Claude wants to use Bash");
    assert.deepEqual(statusData(paused), request_);
    assert.equal((await getTask(client, task.id)).status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
    const startedBefore = backend.started.length;

    const second = await collect(
      client.sendMessageStream(
        request([data({ decision: "allow" })], { taskId: task.id, contextId: task.contextId }),
      ),
    );
    assert.equal(taskOf(second).id, task.id, "the follow-up stream starts with the same task");
    assert.equal(backend.started.length, startedBefore, "an answer starts no new turn");
    assert.deepEqual(backend.inputs.at(-1), {
      role: "user",
      parts: [{ type: "data", data: { decision: "allow" } }],
    });
    assert.deepEqual(second.slice(1).map(describe), [
      `status:${TaskState.TASK_STATE_WORKING} got: {"type":"data","data":{"decision":"allow"}}`,
      `status:${TaskState.TASK_STATE_WORKING} touched`,
      "artifact:final_response",
      `status:${TaskState.TASK_STATE_COMPLETED}`,
    ]);
  });

  test("the blocking SendMessage stops at input_required too, and an answer it refuses keeps the task waiting", async () => {
    const asked = await client.sendMessage(
      request("ask me", { metadata: script([{ ask: { kind: "question", text: "Which colour?" } }]) }),
    );
    assert.ok("status" in asked);
    assert.equal(asked.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
    const to = { taskId: asked.id, contextId: asked.contextId };

    const refused = await client.sendMessage(request("invalid", to));
    assert.ok("status" in refused);
    assert.equal(refused.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
    assert.match(
      statusText(refused.status),
      /not taken: input_message: the scripted backend refuses 'invalid'/,
    );
    assert.match(statusText(refused.status), /Which colour\?/);

    const answered = await client.sendMessage(request("blue", to));
    assert.ok("status" in answered);
    assert.equal(answered.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.deepEqual(answered.artifacts[0]?.parts[0]?.content, { $case: "text", value: "got: blue" });
  });

  test("a second message in the same context resumes the backend session in the same cwd", async () => {
    const cwd = join(root, "project");
    mkdirSync(cwd, { recursive: true });
    const first = await client.sendMessage(
      request("first", { metadata: script([{ session: "thread-7" }, say("one")], { cwd }) }),
    );
    assert.ok("status" in first);
    const firstSpec = backend.started.at(-1);
    assert.equal(firstSpec?.resume_backend_session_id, undefined);
    assert.equal(firstSpec?.cwd, cwd);

    const second = await client.sendMessage(request("second", { contextId: first.contextId }));
    assert.ok("status" in second);
    assert.notEqual(second.id, first.id, "a message without taskId is a new task in the conversation");
    assert.equal(second.status?.state, TaskState.TASK_STATE_COMPLETED);
    const secondSpec = backend.started.at(-1);
    assert.equal(secondSpec?.resume_backend_session_id, "thread-7");
    assert.equal(secondSpec?.session_id, firstSpec?.session_id);
    assert.equal(secondSpec?.cwd, cwd, "the context keeps its cwd");

    const elsewhere = await client.sendMessage(
      request("third", { contextId: first.contextId, metadata: { cwd: root } }),
    );
    assert.ok("status" in elsewhere);
    assert.equal(elsewhere.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.match(statusText(elsewhere.status), /this conversation runs in .*project; start a new context/);
  });

  test("auth_required pauses a blocking SendMessage too; the task can be cancelled while it waits", async () => {
    const waiting = await client.sendMessage(
      request("sign in", {
        metadata: script([
          { emit: { type: "auth_required", data: { kind: "login", text: "Log in first" } } },
          { hang: true },
        ]),
      }),
    );
    assert.ok("status" in waiting);
    assert.equal(waiting.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
    assert.equal(statusText(waiting.status), "Log in first");
    assert.deepEqual(statusData(waiting.status), { kind: "login", text: "Log in first" });
    const cancelled = await client.cancelTask({ tenant: "", id: waiting.id, metadata: undefined });
    assert.equal(cancelled.status?.state, TaskState.TASK_STATE_CANCELED);
  });

  test("a cwd outside the root is refused, symlinks included, before the backend starts", async () => {
    const outside = tempDir("orch-a2a-outside-");
    const link = join(root, "link-out");
    symlinkSync(outside, link);
    for (const cwd of [outside, link, "/", "relative/dir", join(root, "missing")]) {
      const count = backend.started.length;
      const result = await client.sendMessage(request("hi", { metadata: { cwd } }));
      assert.ok("status" in result);
      assert.equal(result.status?.state, TaskState.TASK_STATE_REJECTED, cwd);
      assert.match(statusText(result.status), /^invalid_input|metadata\.cwd/);
      assert.equal(backend.started.length, count, "no turn started");
    }
    const refused = await client.sendMessage(request("hi", { metadata: { cwd: outside } }));
    assert.ok("status" in refused);
    assert.match(statusText(refused.status), /is outside this agent's root/);
  });

  test("bad backend_config is refused with the backend's own message", async () => {
    const result = await client.sendMessage(
      request("hi", { metadata: { backend_config: { script: "nope" } } }),
    );
    assert.ok("status" in result);
    assert.equal(result.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.match(statusText(result.status), /backend_config\.script: expected an array/);
  });

  test("a context runs one turn at a time", async () => {
    const first = await client.sendMessage({
      ...request("hang", { metadata: script([{ hang: true }]) }),
      configuration: {
        acceptedOutputModes: [],
        taskPushNotificationConfig: undefined,
        returnImmediately: true,
      },
    });
    assert.ok("status" in first);
    const busy = await client.sendMessage(request("again", { contextId: first.contextId }));
    assert.ok("status" in busy);
    assert.equal(busy.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.match(statusText(busy.status), new RegExp(`busy with task ${first.id}`));
    const cancelled = await client.cancelTask({ tenant: "", id: first.id, metadata: undefined });
    assert.equal(cancelled.status?.state, TaskState.TASK_STATE_CANCELED);
    const next = await client.sendMessage(request("after", { contextId: first.contextId }));
    assert.ok("status" in next);
    assert.equal(next.status?.state, TaskState.TASK_STATE_COMPLETED, "the context is free once cancelled");
  });

  test("CancelTask stops a hanging turn and ends its stream with CANCELED", async () => {
    const cancelsBefore = backend.cancels;
    const events: StreamResponse[] = [];
    let cancelled: Promise<Task> | undefined;
    for await (const event of client.sendMessageStream(
      request("hang", { metadata: script([say("started"), { hang: true }]) }),
    )) {
      events.push(event);
      if (!cancelled && describe(event).endsWith("started")) {
        cancelled = client.cancelTask({ tenant: "", id: taskOf(events).id, metadata: undefined });
      }
    }
    const task = await cancelled;
    assert.equal(task?.status?.state, TaskState.TASK_STATE_CANCELED);
    assert.equal(lastStatus(events)?.state, TaskState.TASK_STATE_CANCELED);
    assert.equal(backend.cancels, cancelsBefore + 1);
    assert.equal(backend.active, 0, "the script has stopped");
    assert.equal(backend.started.at(-1)?.signal.aborted, true);
  });

  test("CancelTask on a task waiting for input cancels it", async () => {
    const asked = await client.sendMessage(
      request("ask", { metadata: script([{ ask: { kind: "question", text: "?" } }]) }),
    );
    assert.ok("status" in asked);
    const cancelled = await client.cancelTask({ tenant: "", id: asked.id, metadata: undefined });
    assert.equal(cancelled.status?.state, TaskState.TASK_STATE_CANCELED);
    await assert.rejects(
      client.sendMessage(request("late", { taskId: asked.id, contextId: asked.contextId })),
    );
  });

  test("a backend that fails or throws fails the task with its message", async () => {
    const failed = await client.sendMessage(
      request("x", {
        metadata: script([
          { emit: { type: "run_failed", data: { message: "model said no", code: "invalid_output" } } },
        ]),
      }),
    );
    assert.ok("status" in failed);
    assert.equal(failed.status?.state, TaskState.TASK_STATE_FAILED);
    assert.equal(statusText(failed.status), "model said no");
    assert.deepEqual(statusData(failed.status), { code: "invalid_output", message: "model said no" });

    const thrown = await client.sendMessage(
      request("x", { metadata: script([say("hm"), { throw: "boom" }]) }),
    );
    assert.ok("status" in thrown);
    assert.equal(thrown.status?.state, TaskState.TASK_STATE_FAILED);
    assert.equal(statusText(thrown.status), "boom");
  });

  test("request bodies up to 10 MB are taken (the SDK alone stops at 100 KB)", async () => {
    const big = "y".repeat(2 * 1024 * 1024);
    const result = await client.sendMessage(request(big));
    assert.ok("status" in result);
    assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(backend.started.at(-1)?.prompt?.length, big.length);
  });
});

suite("A2A agent with a token", () => {
  let agent: A2aAgent;
  before(async () => {
    agent = await startA2aAgent({ backend: new ScriptedBackend("codex"), token: "s3cret" });
  });
  after(async () => {
    await agent.close();
  });

  test("the card is public and names the bearer scheme", async () => {
    const response = await fetch(agent.cardUrl);
    assert.equal(response.status, 200);
    const card = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(card.securitySchemes, {
      bearer: {
        httpAuthSecurityScheme: { description: "The token the agent was started with", scheme: "Bearer" },
      },
    });
  });

  test("a missing or wrong token is refused with 401; the right one works", async () => {
    for (const transport of ["JSONRPC", "HTTP+JSON"] as const) {
      for (const token of [undefined, "wrong"]) {
        const client = await connect(agent.url, { token, transport });
        await assert.rejects(client.sendMessage(request("hi")), /401/);
        await assert.rejects(collect(client.sendMessageStream(request("hi"))), /401/);
        await assert.rejects(client.getTask({ tenant: "", id: "any", historyLength: undefined }), /401/);
      }
    }
    const raw = await fetch(`${agent.url}/a2a/rest/v1/tasks/anything`, {
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(raw.status, 401);
    const client = await connect(agent.url, { token: "s3cret" });
    const result = await client.sendMessage(request("hi"));
    assert.ok("status" in result);
    assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
  });
});

test("close() cancels running turns and stops the server", async () => {
  const backend = new ScriptedBackend("codex");
  const agent = await startA2aAgent({ backend, policy: { check: () => undefined } });
  const client = await connect(agent.url, { token: agent.token });
  const running = await client.sendMessage({
    ...request("hang", { metadata: script([{ hang: true }]) }),
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately: true,
    },
  });
  assert.ok("status" in running);
  await agent.close();
  assert.equal(backend.cancels, 1);
  assert.equal(backend.active, 0);
  await assert.rejects(fetch(agent.cardUrl));
});
