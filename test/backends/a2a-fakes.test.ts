/**
 * The hand-written A2A test agents (test/fakes/a2a), driven by @a2a-js/sdk 1.x's own client: proves each scenario
 * behaves the way the remote_a2a backend will rely on (streamed events and final states, input-/auth-required
 * continued on the same task, cancel, polling, bearer tokens, the 0.3 agent through the client's legacy
 * compatibility mode) and pins down how the client surfaces errors.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  type Message,
  Role,
  type SendMessageRequest,
  type StreamResponse,
  type Task,
  TaskState,
} from "@a2a-js/sdk";
import {
  type CallInterceptor,
  type Client,
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";
import { isRestError, TaskNotFoundError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import {
  AUTH_PROMPT,
  BIG_ARTIFACT_BYTES,
  FAILURE,
  type FakeA2AAgent,
  QUESTION,
  REJECTION,
  startBrokenCardServer,
  startLegacyAgent,
  startPollingAgent,
  startScenarioAgent,
  textPart,
  type V1Binding,
} from "../fakes/a2a/index.js";

// ---------------------------------------------------------------------------------------------------------------
// client helpers

interface ClientOptions {
  preferred?: V1Binding;
  legacyCompat?: boolean;
  fetchImpl?: typeof fetch;
  interceptors?: CallInterceptor[];
  polling?: boolean;
}

function makeClient(url: string, o: ClientOptions = {}): Promise<Client> {
  const legacyCompat = { enabled: o.legacyCompat ?? false };
  const fetchImpl = o.fetchImpl;
  const factory = new ClientFactory({
    transports: [
      new JsonRpcTransportFactory({ fetchImpl, legacyCompat }),
      new RestTransportFactory({ fetchImpl, legacyCompat }),
    ],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl, legacyCompat }),
    ...(o.preferred ? { preferredTransports: [o.preferred] } : {}),
    clientConfig: { interceptors: o.interceptors ?? [], polling: o.polling ?? false },
  });
  return factory.createFromUrl(url);
}

function userMessage(
  text: string,
  o: { taskId?: string; contextId?: string; metadata?: Record<string, unknown> } = {},
): SendMessageRequest {
  const message: Message = {
    messageId: crypto.randomUUID(),
    contextId: o.contextId ?? "",
    taskId: o.taskId ?? "",
    role: Role.ROLE_USER,
    parts: [textPart(text)],
    metadata: o.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
  return { tenant: "", message, configuration: undefined, metadata: undefined };
}

async function collect(stream: AsyncGenerator<StreamResponse>): Promise<StreamResponse[]> {
  const out: StreamResponse[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

const cases = (evs: StreamResponse[]) => evs.map((e) => e.payload?.$case);

function statusStates(evs: StreamResponse[]): TaskState[] {
  return evs.flatMap((e) =>
    e.payload?.$case === "statusUpdate" ? [e.payload.value.status?.state ?? TaskState.UNRECOGNIZED] : [],
  );
}

function firstTask(evs: StreamResponse[]): Task {
  const t = evs.find((e) => e.payload?.$case === "task");
  assert.ok(t?.payload?.$case === "task", "stream starts with a task");
  return t.payload.value;
}

function lastStatus(evs: StreamResponse[]) {
  const s = evs.filter((e) => e.payload?.$case === "statusUpdate").at(-1);
  assert.ok(s?.payload?.$case === "statusUpdate");
  return s.payload.value.status;
}

const textOfMessage = (m: Message | undefined) =>
  (m?.parts ?? []).map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");

function artifacts(evs: StreamResponse[]) {
  return evs.flatMap((e) =>
    e.payload?.$case === "artifactUpdate" && e.payload.value.artifact ? [e.payload.value.artifact] : [],
  );
}

function finalText(task: Task): string {
  const a = task.artifacts.find((x) => x.name === "final");
  assert.ok(a, `task has a "final" artifact: ${JSON.stringify(task.artifacts.map((x) => x.name))}`);
  const p = a.parts[0]?.content;
  assert.ok(p?.$case === "text");
  return p.value;
}

function asTask(r: Message | Task): Task {
  assert.ok("status" in r, "a task, not a message");
  return r;
}

const bearer = (token: string): typeof fetch => {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("Authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
};

// ---------------------------------------------------------------------------------------------------------------

describe("scenario agent (A2A 1.0, streaming)", () => {
  let agent: FakeA2AAgent;
  before(async () => {
    agent = await startScenarioAgent();
  });
  after(() => agent.close());

  test("card: JSON-RPC first, then REST, streaming true", async () => {
    const res = await fetch(`${agent.url}/.well-known/agent-card.json`, {
      headers: { "A2A-Version": "1.0" },
    });
    const card = (await res.json()) as {
      supportedInterfaces: Array<{ url: string; protocolBinding: string; protocolVersion: string }>;
      capabilities: { streaming: boolean };
    };
    assert.deepEqual(
      card.supportedInterfaces.map((i) => [i.protocolBinding, i.protocolVersion, i.url]),
      [
        ["JSONRPC", "1.0", `${agent.url}/a2a/jsonrpc`],
        ["HTTP+JSON", "1.0", `${agent.url}/a2a/rest`],
      ],
    );
    assert.equal(card.capabilities.streaming, true);
  });

  for (const binding of ["JSONRPC", "HTTP+JSON"] as const) {
    describe(binding, () => {
      let client: Client;
      before(async () => {
        client = await makeClient(agent.url, { preferred: binding });
        assert.equal(client.transport.protocolName, binding);
        assert.equal(client.protocolVersion, "1.0");
      });

      test("[[say:TEXT]] streams task, working with a message, the final artifact, completed", async () => {
        const evs = await collect(client.sendMessageStream(userMessage("[[say:hello there]]")));
        assert.deepEqual(cases(evs), ["task", "statusUpdate", "artifactUpdate", "statusUpdate"]);
        assert.equal(firstTask(evs).status?.state, TaskState.TASK_STATE_SUBMITTED);
        const working = evs[1]?.payload;
        assert.ok(working?.$case === "statusUpdate");
        assert.equal(working.value.status?.state, TaskState.TASK_STATE_WORKING);
        assert.equal(working.value.status?.message?.role, Role.ROLE_AGENT);
        assert.equal(textOfMessage(working.value.status?.message), "working on it");
        const [art] = artifacts(evs);
        assert.equal(art?.name, "final");
        assert.deepEqual(art?.parts[0]?.content, { $case: "text", value: "hello there" });
        assert.equal(lastStatus(evs)?.state, TaskState.TASK_STATE_COMPLETED);
        const last = agent.requests.at(-1);
        assert.equal(last?.path, binding === "JSONRPC" ? "/a2a/jsonrpc" : "/a2a/rest/message:stream");
        if (binding === "JSONRPC") assert.equal(last?.rpcMethod, "SendStreamingMessage");
        assert.equal(last?.headers["a2a-version"], "1.0");
      });

      test("[[artifacts]] streams three artifacts, the last one 100 KB", async () => {
        const evs = await collect(client.sendMessageStream(userMessage("[[artifacts]]")));
        const arts = artifacts(evs);
        assert.deepEqual(
          arts.map((a) => a.name),
          ["chunk-1", "chunk-2", "chunk-3"],
        );
        const big = arts[2]?.parts[0]?.content;
        assert.ok(big?.$case === "text");
        assert.equal(big.value.length, BIG_ARTIFACT_BYTES);
        assert.equal(lastStatus(evs)?.state, TaskState.TASK_STATE_COMPLETED);
        // GetTask returns the accumulated artifacts too.
        const task = await client.getTask({ tenant: "", id: firstTask(evs).id, historyLength: undefined });
        assert.equal(task.artifacts.length, 3);
      });

      test("[[input]] ends the stream at INPUT_REQUIRED; the answer on the same task completes it", async () => {
        const evs = await collect(client.sendMessageStream(userMessage("[[input]]")));
        const first = firstTask(evs);
        const status = lastStatus(evs);
        assert.equal(status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
        assert.equal(textOfMessage(status?.message), QUESTION);

        const follow = await collect(
          client.sendMessageStream(userMessage("Alice", { taskId: first.id, contextId: first.contextId })),
        );
        const again = firstTask(follow);
        assert.equal(again.id, first.id);
        assert.equal(again.contextId, first.contextId);
        assert.equal(again.status?.state, TaskState.TASK_STATE_WORKING);
        assert.equal(lastStatus(follow)?.state, TaskState.TASK_STATE_COMPLETED);
        assert.deepEqual(artifacts(follow)[0]?.parts[0]?.content, { $case: "text", value: "Alice" });
        const seen = agent.messages.slice(-2);
        assert.deepEqual(
          seen.map((m) => [m.taskId, m.contextId, m.scenario]),
          [
            [first.id, first.contextId, "input"],
            [first.id, first.contextId, "followup"],
          ],
        );
      });

      test("[[input]] with a blocking SendMessage returns the task at INPUT_REQUIRED", async () => {
        const t = asTask(await client.sendMessage(userMessage("[[input]]")));
        assert.equal(t.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
        const done = asTask(
          await client.sendMessage(userMessage("Bob", { taskId: t.id, contextId: t.contextId })),
        );
        assert.equal(done.status?.state, TaskState.TASK_STATE_COMPLETED);
        assert.equal(finalText(done), "Bob");
      });

      test("[[reject]] and [[fail]] end in REJECTED / FAILED with a status message", async () => {
        const rej = await collect(client.sendMessageStream(userMessage("[[reject]]")));
        assert.equal(lastStatus(rej)?.state, TaskState.TASK_STATE_REJECTED);
        assert.equal(textOfMessage(lastStatus(rej)?.message), REJECTION);
        const fail = await collect(client.sendMessageStream(userMessage("[[fail]]")));
        assert.deepEqual(statusStates(fail), [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_FAILED]);
        assert.equal(textOfMessage(lastStatus(fail)?.message), FAILURE);
      });

      test("[[json]] completes with a data part in the final artifact", async () => {
        const t = asTask(await client.sendMessage(userMessage("[[json]]")));
        assert.equal(t.status?.state, TaskState.TASK_STATE_COMPLETED);
        const final = t.artifacts.find((a) => a.name === "final");
        assert.deepEqual(final?.parts[0]?.content, { $case: "data", value: { answer: "42" } });
      });

      test("[[echo-meta]] echoes the message metadata", async () => {
        const t = asTask(
          await client.sendMessage(userMessage("[[echo-meta]]", { metadata: { cwd: "/srv/work" } })),
        );
        assert.deepEqual(JSON.parse(finalText(t)), { cwd: "/srv/work" });
        assert.deepEqual(agent.messages.at(-1)?.metadata, { cwd: "/srv/work" });
      });

      test("[[hang]] runs until CancelTask, which ends the stream in CANCELED", async () => {
        const states: TaskState[] = [];
        let taskId = "";
        let cancelled: Promise<Task> | undefined;
        for await (const ev of client.sendMessageStream(userMessage("[[hang]]"))) {
          if (ev.payload?.$case === "task") taskId = ev.payload.value.id;
          if (ev.payload?.$case === "statusUpdate") {
            const s = ev.payload.value.status?.state ?? TaskState.UNRECOGNIZED;
            states.push(s);
            if (s === TaskState.TASK_STATE_WORKING) {
              cancelled = client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
            }
          }
        }
        assert.deepEqual(states, [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_CANCELED]);
        assert.ok(cancelled);
        assert.equal((await cancelled).status?.state, TaskState.TASK_STATE_CANCELED);
        assert.ok(agent.canceled.includes(taskId));
        const t = await client.getTask({ tenant: "", id: taskId, historyLength: undefined });
        assert.equal(t.status?.state, TaskState.TASK_STATE_CANCELED);
      });

      test("a new message with only the contextId starts a new task in the same conversation", async () => {
        const one = asTask(await client.sendMessage(userMessage("[[say:one]]")));
        const two = asTask(
          await client.sendMessage(userMessage("[[say:two]]", { contextId: one.contextId })),
        );
        assert.notEqual(two.id, one.id);
        assert.equal(two.contextId, one.contextId);
        assert.equal(agent.messages.at(-1)?.contextId, one.contextId);
      });

      test("errors: unknown task → TaskNotFoundError; a message to a terminal task is refused", async () => {
        await assert.rejects(
          client.getTask({ tenant: "", id: "no-such-task", historyLength: undefined }),
          TaskNotFoundError,
        );
        await assert.rejects(
          client.sendMessage(userMessage("hi", { taskId: "no-such-task" })),
          TaskNotFoundError,
        );
        const done = asTask(await client.sendMessage(userMessage("[[say:x]]")));
        await assert.rejects(
          client.sendMessage(userMessage("more", { taskId: done.id, contextId: done.contextId })),
          (e: unknown) => e instanceof UnsupportedOperationError && /terminal state/.test(e.message),
        );
      });
    });
  }

  test("[[auth]]: the stream does NOT end at AUTH_REQUIRED (the client must stop reading); a follow-up completes", async () => {
    const client = await makeClient(agent.url);
    const states: TaskState[] = [];
    for await (const ev of client.sendMessageStream(userMessage("[[auth]]"))) {
      if (ev.payload?.$case !== "statusUpdate") continue;
      states.push(ev.payload.value.status?.state ?? TaskState.UNRECOGNIZED);
      assert.equal(textOfMessage(ev.payload.value.status?.message), AUTH_PROMPT);
      if (ev.payload.value.status?.state === TaskState.TASK_STATE_AUTH_REQUIRED) break; // else this waits forever
    }
    assert.deepEqual(states, [TaskState.TASK_STATE_AUTH_REQUIRED]);

    // Blocking SendMessage returns a snapshot at AUTH_REQUIRED; the follow-up on the same task completes it.
    const t = asTask(await client.sendMessage(userMessage("[[auth]]")));
    assert.equal(t.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
    const done = asTask(
      await client.sendMessage(userMessage("signed in", { taskId: t.id, contextId: t.contextId })),
    );
    assert.equal(done.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(finalText(done), "signed in");
  });

  test("an aborted stream leaves the task running; CancelTask still stops it", async () => {
    const client = await makeClient(agent.url);
    const ac = new AbortController();
    let taskId = "";
    await assert.rejects(
      (async () => {
        for await (const ev of client.sendMessageStream(userMessage("[[hang]]"), { signal: ac.signal })) {
          if (ev.payload?.$case === "task") taskId = ev.payload.value.id;
          if (ev.payload?.$case === "statusUpdate") ac.abort();
        }
      })(),
      { name: "AbortError" },
    );
    assert.equal(
      (await client.getTask({ tenant: "", id: taskId, historyLength: undefined })).status?.state,
      TaskState.TASK_STATE_WORKING,
    );
    const c = await client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
    assert.equal(c.status?.state, TaskState.TASK_STATE_CANCELED);
  });
});

describe("token", () => {
  let agent: FakeA2AAgent;
  before(async () => {
    agent = await startScenarioAgent({ token: "s3cret" });
  });
  after(() => agent.close());

  test("the card is public and names a bearer scheme", async () => {
    const client = await makeClient(agent.url);
    const card = await client.getAgentCard();
    assert.equal(card.securitySchemes.bearer?.scheme?.$case, "httpAuthSecurityScheme");
    assert.equal(agent.requests[0]?.path, "/.well-known/agent-card.json");
    assert.equal(agent.requests[0]?.status, 200);
  });

  test("JSON-RPC without the token: plain Error with the HTTP status in its message", async () => {
    const client = await makeClient(agent.url, { preferred: "JSONRPC" });
    await assert.rejects(client.sendMessage(userMessage("[[say:x]]")), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /^HTTP error for SendMessage! Status: 401 Unauthorized/);
      return true;
    });
    await assert.rejects(collect(client.sendMessageStream(userMessage("[[say:x]]"))), {
      message: /^HTTP error establishing stream for SendStreamingMessage: 401 Unauthorized/,
    });
    const rec = agent.requests.at(-1);
    assert.equal(rec?.status, 401);
    assert.equal(rec?.headers.authorization, undefined);
  });

  test("REST without the token: a RestA2AError with statusCode 401", async () => {
    const client = await makeClient(agent.url, { preferred: "HTTP+JSON" });
    await assert.rejects(client.sendMessage(userMessage("[[say:x]]")), (e: unknown) => {
      assert.ok(isRestError(e));
      assert.equal(e.statusCode, 401);
      return true;
    });
  });

  test("a wrong token is refused", async () => {
    const client = await makeClient(agent.url, { fetchImpl: bearer("wrong") });
    await assert.rejects(client.sendMessage(userMessage("[[say:x]]")), /401/);
    assert.equal(agent.requests.at(-1)?.headers.authorization, "Bearer wrong");
  });

  test("the token through a custom fetch is accepted (both bindings, streaming too)", async () => {
    for (const preferred of ["JSONRPC", "HTTP+JSON"] as const) {
      const client = await makeClient(agent.url, { preferred, fetchImpl: bearer("s3cret") });
      const t = asTask(await client.sendMessage(userMessage("[[say:ok]]")));
      assert.equal(finalText(t), "ok");
      const evs = await collect(client.sendMessageStream(userMessage("[[say:streamed]]")));
      assert.equal(lastStatus(evs)?.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(agent.requests.at(-1)?.headers.authorization, "Bearer s3cret");
    }
  });

  test("the token through an interceptor (serviceParameters become HTTP headers) or per call", async () => {
    const auth: CallInterceptor = {
      before: async (args) => {
        args.options = {
          ...args.options,
          serviceParameters: { ...args.options?.serviceParameters, Authorization: "Bearer s3cret" },
        };
      },
      after: async () => {},
    };
    const client = await makeClient(agent.url, { interceptors: [auth] });
    const evs = await collect(client.sendMessageStream(userMessage("[[say:via interceptor]]")));
    assert.equal(lastStatus(evs)?.state, TaskState.TASK_STATE_COMPLETED);

    const plain = await makeClient(agent.url);
    const t = asTask(
      await plain.sendMessage(userMessage("[[say:per call]]"), {
        serviceParameters: { Authorization: "Bearer s3cret" },
      }),
    );
    assert.equal(finalText(t), "per call");
  });
});

describe("polling agent (streaming false)", () => {
  let agent: FakeA2AAgent;
  before(async () => {
    agent = await startPollingAgent();
  });
  after(() => agent.close());

  test("[[slow]]: a non-blocking SendMessage returns WORKING, GetTask polls it to COMPLETED", async () => {
    const client = await makeClient(agent.url, { polling: true });
    assert.equal((await client.getAgentCard()).capabilities?.streaming, false);
    const started = Date.now();
    const t = asTask(await client.sendMessage(userMessage("[[slow]]")));
    assert.equal(t.status?.state, TaskState.TASK_STATE_WORKING);
    assert.ok(Date.now() - started < 400, "returned before the work finished");
    let polled = t;
    const seen = new Set<TaskState>();
    while (polled.status?.state === TaskState.TASK_STATE_WORKING && Date.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      polled = await client.getTask({ tenant: "", id: t.id, historyLength: undefined });
      seen.add(polled.status?.state ?? TaskState.UNRECOGNIZED);
    }
    assert.equal(polled.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.ok(seen.has(TaskState.TASK_STATE_WORKING), "saw it working at least once");
    assert.equal(finalText(polled), "slow done");
    const methods = agent.requests.flatMap((r) => (r.rpcMethod ? [r.rpcMethod] : []));
    assert.ok(methods.includes("GetTask"));
    assert.ok(!methods.includes("SendStreamingMessage"));
  });

  test("per call: configuration.returnImmediately on a client without polling", async () => {
    const client = await makeClient(agent.url);
    const req = userMessage("[[slow]]");
    req.configuration = {
      returnImmediately: true,
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      historyLength: undefined,
    };
    const t = asTask(await client.sendMessage(req));
    assert.equal(t.status?.state, TaskState.TASK_STATE_WORKING);
  });

  test("sendMessageStream on it falls back to one blocking SendMessage and yields one task", async () => {
    const client = await makeClient(agent.url);
    const evs = await collect(client.sendMessageStream(userMessage("[[say:no stream]]")));
    assert.deepEqual(cases(evs), ["task"]);
    const t = firstTask(evs);
    assert.equal(t.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(finalText(t), "no stream");
    assert.equal(agent.requests.at(-1)?.rpcMethod, "SendMessage");
  });
});

describe("0.3 agent (the 0.3 SDK) through the client's legacy compatibility mode", () => {
  let agent: FakeA2AAgent;
  before(async () => {
    agent = await startLegacyAgent();
  });
  after(() => agent.close());

  test("without legacyCompat the client finds no transport", async () => {
    await assert.rejects(makeClient(agent.url), /No compatible transport found/);
  });

  for (const binding of ["JSONRPC", "HTTP+JSON"] as const) {
    describe(binding, () => {
      let client: Client;
      before(async () => {
        client = await makeClient(agent.url, { legacyCompat: true, preferred: binding });
        assert.equal(client.protocolVersion, "0.3");
        assert.equal(client.transport.protocolName, binding);
      });

      test("[[say:TEXT]] arrives as the same v1 events", async () => {
        const evs = await collect(client.sendMessageStream(userMessage("[[say:from 0.3]]")));
        assert.deepEqual(cases(evs), ["task", "statusUpdate", "artifactUpdate", "statusUpdate"]);
        assert.deepEqual(statusStates(evs), [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED]);
        assert.deepEqual(artifacts(evs)[0]?.parts[0]?.content, { $case: "text", value: "from 0.3" });
        const last = agent.requests.at(-1);
        if (binding === "JSONRPC") assert.equal(last?.rpcMethod, "message/stream");
        else assert.equal(last?.path, "/a2a/rest/v1/message:stream");
        assert.equal(last?.headers["a2a-version"], "0.3");
      });

      test("[[input]] then the answer on the same task", async () => {
        const t = asTask(await client.sendMessage(userMessage("[[input]]")));
        assert.equal(t.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
        assert.equal(textOfMessage(t.status?.message), QUESTION);
        const follow = await collect(
          client.sendMessageStream(userMessage("Carol", { taskId: t.id, contextId: t.contextId })),
        );
        assert.equal(firstTask(follow).id, t.id);
        assert.equal(lastStatus(follow)?.state, TaskState.TASK_STATE_COMPLETED);
        assert.deepEqual(artifacts(follow)[0]?.parts[0]?.content, { $case: "text", value: "Carol" });
        assert.deepEqual(
          agent.messages.slice(-2).map((m) => [m.taskId, m.contextId]),
          [
            [t.id, t.contextId],
            [t.id, t.contextId],
          ],
        );
      });

      test("[[hang]] + CancelTask (tasks/cancel) → CANCELED; GetTask (tasks/get) agrees", async () => {
        let taskId = "";
        let cancelled: Promise<Task> | undefined;
        const states: TaskState[] = [];
        for await (const ev of client.sendMessageStream(userMessage("[[hang]]"))) {
          if (ev.payload?.$case === "task") taskId = ev.payload.value.id;
          if (ev.payload?.$case === "statusUpdate") {
            const s = ev.payload.value.status?.state ?? TaskState.UNRECOGNIZED;
            states.push(s);
            if (s === TaskState.TASK_STATE_WORKING) {
              cancelled = client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
            }
          }
        }
        assert.deepEqual(states, [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_CANCELED]);
        assert.equal((await cancelled)?.status?.state, TaskState.TASK_STATE_CANCELED);
        const t = await client.getTask({ tenant: "", id: taskId, historyLength: undefined });
        assert.equal(t.status?.state, TaskState.TASK_STATE_CANCELED);
        if (binding === "JSONRPC") {
          const methods = agent.requests.flatMap((r) => (r.rpcMethod ? [r.rpcMethod] : []));
          assert.ok(methods.includes("tasks/cancel") && methods.includes("tasks/get"));
        }
      });

      test("[[auth]] ends the stream at AUTH_REQUIRED (0.3 marks it final), [[json]], unknown task", async () => {
        const evs = await collect(client.sendMessageStream(userMessage("[[auth]]")));
        assert.equal(lastStatus(evs)?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
        const j = asTask(await client.sendMessage(userMessage("[[json]]")));
        assert.deepEqual(j.artifacts[0]?.parts[0]?.content, { $case: "data", value: { answer: "42" } });
        await assert.rejects(
          client.getTask({ tenant: "", id: "no-such-task", historyLength: undefined }),
          TaskNotFoundError,
        );
      });
    });
  }

  test("token option: refused without the bearer token, accepted with it", async () => {
    const guarded = await startLegacyAgent({ token: "t03" });
    try {
      const without = await makeClient(guarded.url, { legacyCompat: true });
      await assert.rejects(without.sendMessage(userMessage("[[say:x]]")), /401/);
      const withToken = await makeClient(guarded.url, { legacyCompat: true, fetchImpl: bearer("t03") });
      const t = asTask(await withToken.sendMessage(userMessage("[[say:in]]")));
      assert.equal(finalText(t), "in");
      assert.equal(guarded.requests.at(-1)?.headers.authorization, "Bearer t03");
    } finally {
      await guarded.close();
    }
  });

  test("a legacyCompat client talks 1.0 to a 1.0 agent", async () => {
    const v1 = await startScenarioAgent();
    try {
      const client = await makeClient(v1.url, { legacyCompat: true });
      assert.equal(client.protocolVersion, "1.0");
      const t = asTask(await client.sendMessage(userMessage("[[say:fine]]")));
      assert.equal(finalText(t), "fine");
    } finally {
      await v1.close();
    }
  });
});

describe("errors before and during a call", () => {
  test("unreachable agent: TypeError 'fetch failed' (cause ECONNREFUSED)", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    await assert.rejects(makeClient(`http://127.0.0.1:${port}`), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, "fetch failed");
      assert.equal((e.cause as { code?: string } | undefined)?.code, "ECONNREFUSED");
      return true;
    });
  });

  test("bad cards", async () => {
    const expectations = {
      "not-found": /^Failed to fetch Agent Card from .*: 404/,
      "not-json": /is not valid JSON/,
      "not-a-card": /^No compatible transport found/,
      "no-interfaces": /^No compatible transport found/,
    } as const;
    for (const [kind, re] of Object.entries(expectations)) {
      const s = await startBrokenCardServer(kind as keyof typeof expectations);
      try {
        await assert.rejects(makeClient(s.url, { legacyCompat: true }), { message: re }, kind);
      } finally {
        await s.close();
      }
    }
  });

  test("the agent going away mid-stream: TypeError 'terminated'", async () => {
    const agent = await startScenarioAgent();
    const client = await makeClient(agent.url);
    await assert.rejects(
      (async () => {
        for await (const ev of client.sendMessageStream(userMessage("[[hang]]"))) {
          if (ev.payload?.$case === "statusUpdate") void agent.close();
        }
      })(),
      (e: unknown) => e instanceof TypeError && e.message === "terminated",
    );
  });
});
