/**
 * Whoever can reach our A2A agent: a web page after DNS rebinding (forged Host, foreign Origin), a caller without
 * the token, a caller asking for more than the operator allows, and many finished tasks held in memory.
 */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe as suite, test } from "node:test";
import { type Task, TaskState } from "@a2a-js/sdk";
import { ServerCallContext } from "@a2a-js/sdk/server";
import { Conversations } from "../../src/agents/conversations.js";
import { operatorPolicy } from "../../src/agents/policy.js";
import { type A2aAgent, startA2aAgent } from "../../src/agents/server.js";
import { BoundedTaskStore } from "../../src/agents/task-store.js";
import { ScriptedBackend, type Step } from "../helpers/scripted-backend.js";
import { type Client, connect, request } from "./a2a-client.js";

interface RawResponse {
  status: number;
  body: string;
}

/** A request as a browser or a script sends it, headers as given (fetch would set Host itself). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += String(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const SEND = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "SendMessage",
  params: { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] } },
});

function statusText(result: Awaited<ReturnType<Client["sendMessage"]>>): string {
  assert.ok("status" in result, "the answer is a task");
  return (result.status?.message?.parts ?? [])
    .flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : []))
    .join(" ");
}

suite("Host and Origin (DNS rebinding)", () => {
  let agent: A2aAgent;
  before(async () => {
    agent = await startA2aAgent({ backend: new ScriptedBackend("codex") });
  });
  after(() => agent.close());

  test("a forged Host is refused with 403 on every route, the card included", async () => {
    const headers = { host: "attacker.example", authorization: `Bearer ${agent.token}` };
    for (const path of ["/.well-known/agent-card.json", "/a2a/rest/v1/tasks/x"]) {
      const response = await raw(`${agent.url}${path}`, { headers });
      assert.equal(response.status, 403, path);
      assert.match(response.body, /Host \\"attacker\.example\\" is not one of this server's names/);
    }
    const post = await raw(`${agent.url}/a2a/jsonrpc`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: SEND,
    });
    assert.equal(post.status, 403);
    assert.equal(JSON.parse(post.body).error.status, "PERMISSION_DENIED");
  });

  test("a foreign Origin is refused with 403 even with the right Host and token", async () => {
    const host = new URL(agent.url).host;
    const response = await raw(`${agent.url}/a2a/jsonrpc`, {
      method: "POST",
      headers: {
        host,
        origin: "http://attacker.example",
        authorization: `Bearer ${agent.token}`,
        "content-type": "application/json",
      },
      body: SEND,
    });
    assert.equal(response.status, 403);
    assert.match(response.body, /Origin \\"http:\/\/attacker\.example\\" is not allowed/);
    const card = await raw(agent.cardUrl, { headers: { host, origin: `http://${host}` } });
    assert.equal(card.status, 200, "the agent's own origin is served");
  });

  test("the --public-url host is one of the agent's names", async () => {
    const named = await startA2aAgent({
      backend: new ScriptedBackend("codex"),
      publicUrl: "https://agent.example:8443",
    });
    try {
      const local = `http://127.0.0.1:${named.port}`;
      const ok = await raw(`${local}/.well-known/agent-card.json`, {
        headers: { host: "agent.example:8443" },
      });
      assert.equal(ok.status, 200);
      const refused = await raw(`${local}/.well-known/agent-card.json`, {
        headers: { host: "other.example" },
      });
      assert.equal(refused.status, 403);
    } finally {
      await named.close();
    }
  });
});

suite("A token always", () => {
  test("without a token given, one is generated and a request without it gets 401", async () => {
    const agent = await startA2aAgent({ backend: new ScriptedBackend("codex") });
    try {
      assert.ok(agent.token.length >= 32, "a long random token");
      const post = { method: "POST", body: SEND };
      const none = await raw(`${agent.url}/a2a/jsonrpc`, {
        ...post,
        headers: { "content-type": "application/json" },
      });
      assert.equal(none.status, 401);
      const client = await connect(agent.url, { token: agent.token });
      const result = await client.sendMessage(request("hi"));
      assert.ok("status" in result);
      assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
      const other = await startA2aAgent({ backend: new ScriptedBackend("codex") });
      assert.notEqual(other.token, agent.token, "each start makes its own");
      await other.close();
    } finally {
      await agent.close();
    }
  });

  test("binding a non-loopback address without a token is refused before it listens", async () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.1"]) {
      await assert.rejects(
        startA2aAgent({ backend: new ScriptedBackend("codex"), host, port: 1 }),
        /needs a token given by the operator \(--token or ORCHESTRATION_A2A_TOKEN\)/,
        host,
      );
    }
  });
});

suite("Operator policy: callers may only narrow it", () => {
  let codex: ScriptedBackend;
  let claude: ScriptedBackend;
  let codexAgent: A2aAgent;
  let claudeAgent: A2aAgent;
  let codexClient: Client;
  let claudeClient: Client;
  before(async () => {
    codex = new ScriptedBackend("codex");
    claude = new ScriptedBackend("claude_code");
    codexAgent = await startA2aAgent({ backend: codex });
    claudeAgent = await startA2aAgent({ backend: claude });
    codexClient = await connect(codexAgent.url, { token: codexAgent.token });
    claudeClient = await connect(claudeAgent.url, { token: claudeAgent.token });
  });
  after(async () => {
    await codexAgent.close();
    await claudeAgent.close();
  });

  const send = (client: Client, backendConfig: Record<string, unknown>) =>
    client.sendMessage(request("hi", { metadata: { backend_config: backendConfig } }));

  test("fields beyond the ceiling are refused naming the field, and the backend never runs", async () => {
    const cases: [Client, Record<string, unknown>, RegExp][] = [
      [
        codexClient,
        { sandbox_mode: "danger-full-access" },
        /metadata\.backend_config\.sandbox_mode: "danger-full-access" exceeds this agent's ceiling "workspace-write"/,
      ],
      [
        codexClient,
        { config: { mcp_servers: { evil: { command: "sh", args: ["-c", "id"] } } } },
        /metadata\.backend_config\.config: not accepted from callers by this agent \(the operator allows it with --allow-codex-config\)/,
      ],
      [codexClient, { network_access: true }, /metadata\.backend_config\.network_access: not accepted/],
      [
        codexClient,
        { approval_policy: "on-request" },
        /metadata\.backend_config\.approval_policy: not accepted/,
      ],
      [codexClient, { script: [] }, /metadata\.backend_config\.script: not a field this codex agent takes/],
      [
        claudeClient,
        { permission_mode: "bypassPermissions" },
        /metadata\.backend_config\.permission_mode: "bypassPermissions" exceeds this agent's ceiling "default"/,
      ],
      [
        claudeClient,
        { setting_sources: ["project"] },
        /metadata\.backend_config\.setting_sources: not accepted/,
      ],
      [claudeClient, { allowed_tools: ["Bash"] }, /metadata\.backend_config\.allowed_tools: not accepted/],
      [claudeClient, { on_permission: "allow" }, /metadata\.backend_config\.on_permission: "allow" exceeds/],
    ];
    for (const [client, config, reason] of cases) {
      const result = await send(client, config);
      assert.ok("status" in result);
      assert.equal(result.status?.state, TaskState.TASK_STATE_REJECTED, JSON.stringify(config));
      assert.match(statusText(result), reason);
    }
    assert.equal(codex.started.length + claude.started.length, 0, "no refused turn reached a backend");
  });

  test("a narrower value, or a field that only narrows, is accepted and reaches the backend", async () => {
    const cases: [Client, ScriptedBackend, Record<string, unknown>][] = [
      [codexClient, codex, { sandbox_mode: "read-only", network_access: false, approval_policy: "never" }],
      [codexClient, codex, { sandbox_mode: "workspace-write", model: "gpt-5.5", reasoning_effort: "low" }],
      [claudeClient, claude, { permission_mode: "plan", disallowed_tools: ["Bash"], on_permission: "deny" }],
      [claudeClient, claude, { setting_sources: [], allowed_tools: [], max_turns: 3 }],
    ];
    for (const [client, backend, config] of cases) {
      const result = await send(client, config);
      assert.ok("status" in result);
      assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(config));
      assert.deepEqual(backend.started.at(-1)?.backend_config, config);
    }
  });

  test("the operator's flags raise the ceiling", async () => {
    const agent = await startA2aAgent({
      backend: new ScriptedBackend("codex"),
      policy: operatorPolicy({ maxSandbox: "danger-full-access", allowCodexConfig: true }),
    });
    try {
      const client = await connect(agent.url, { token: agent.token });
      const result = await send(client, { sandbox_mode: "danger-full-access", config: { model: "x" } });
      assert.ok("status" in result);
      assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
    } finally {
      await agent.close();
    }
  });
});

suite("Bounded memory", () => {
  const say = (text: string): Step => ({ emit: { type: "agent_message", data: { text } } });
  const passAll = { check: () => undefined };

  test("at most the cap of finished tasks stays; a live task is never dropped", async () => {
    const agent = await startA2aAgent({
      backend: new ScriptedBackend("codex"),
      policy: passAll,
      finishedTasks: { max: 3 },
    });
    try {
      const client = await connect(agent.url, { token: agent.token });
      const live = await client.sendMessage({
        ...request("wait", {
          metadata: { backend_config: { script: [{ ask: { kind: "question", text: "?" } }] } },
        }),
      });
      assert.ok("status" in live);
      assert.equal(live.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
      const big = "z".repeat(1024 * 1024);
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const done = await client.sendMessage(
          request(`big ${i}`, { metadata: { backend_config: { script: [say(big)] } } }),
        );
        assert.ok("status" in done);
        assert.equal(done.status?.state, TaskState.TASK_STATE_COMPLETED);
        ids.push(done.id);
      }
      const get = (id: string) => client.getTask({ tenant: "", id, historyLength: undefined });
      for (const id of ids.slice(0, 5)) await assert.rejects(get(id), /not found/i, `${id} was dropped`);
      for (const id of ids.slice(5))
        assert.equal((await get(id)).status?.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal((await get(live.id)).status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
      const listed = await client.listTasks({
        tenant: "",
        contextId: "",
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageSize: undefined,
        pageToken: "",
        historyLength: undefined,
        statusTimestampAfter: undefined,
        includeArtifacts: undefined,
      });
      assert.equal(listed.tasks.length, 4, "three finished tasks and the live one");
    } finally {
      await agent.close();
    }
  });
});

test("finished tasks older than the time to live are dropped; live ones stay however old", async () => {
  let now = 0;
  const store = new BoundedTaskStore({ max: 100, ttlMs: 1_000 }, () => now);
  const context = new ServerCallContext();
  const task = (id: string, state: TaskState): Task => ({
    id,
    contextId: "c",
    status: { state, message: undefined, timestamp: new Date(now).toISOString() },
    artifacts: [],
    history: [],
    metadata: undefined,
  });
  await store.save(task("done", TaskState.TASK_STATE_COMPLETED), context);
  await store.save(task("working", TaskState.TASK_STATE_WORKING), context);
  now = 500;
  await store.save(task("failed", TaskState.TASK_STATE_FAILED), context);
  now = 1_200;
  store.sweep();
  assert.equal(await store.load("done", context), undefined);
  assert.equal((await store.load("failed", context))?.id, "failed");
  now = 100_000;
  store.sweep();
  assert.equal(store.size, 1);
  assert.equal((await store.load("working", context))?.id, "working");
});

test("idle conversations are forgotten past their time or their cap; one with a turn running is kept", () => {
  let now = 0;
  const conversations = new Conversations({ max: 2, ttlMs: 1_000 }, () => now);
  const busy = conversations.open("busy", "/w");
  conversations.begin(busy, "t1");
  for (const id of ["a", "b", "c"]) conversations.open(id, "/w");
  conversations.sweep();
  assert.equal(conversations.get("a"), undefined, "beyond the cap, the least recently idle goes");
  assert.deepEqual(
    ["busy", "b", "c"].map((id) => conversations.get(id)?.contextId),
    ["busy", "b", "c"],
  );
  now = 5_000;
  conversations.sweep();
  assert.equal(conversations.size, 1);
  assert.equal(conversations.get("busy")?.activeTaskId, "t1");
  conversations.end(busy, "t1");
  now = 5_500;
  conversations.sweep();
  assert.equal(conversations.get("busy")?.contextId, "busy", "idle for less than the time to live");
  now = 7_000;
  conversations.sweep();
  assert.equal(conversations.size, 0);
});
