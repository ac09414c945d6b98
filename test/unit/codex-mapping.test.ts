import assert from "node:assert/strict";
import { test } from "node:test";
import type { ThreadEvent, Usage } from "@openai/codex-sdk";
import { turnInput } from "../../src/backends/codex/input.js";
import { CodexEventMapper } from "../../src/backends/codex/map-events.js";
import { codexOptions } from "../../src/backends/codex/options.js";
import { STORE_PROFILE, storeProfileOverrides } from "../../src/backends/codex/store-profile.js";
import { STORE_FOLDER } from "../../src/backends/store-folder.js";
import { STORE_DIR } from "../../src/store/paths.js";

const usage = (input: number, output: number): Usage => ({
  input_tokens: input,
  cached_input_tokens: 0,
  cache_write_input_tokens: 0,
  output_tokens: output,
  reasoning_output_tokens: 0,
});

function mapper(structured = false, usageBefore?: Usage) {
  const seen: { thread?: string; usage?: Usage } = {};
  const m = new CodexEventMapper({
    structured,
    usageBefore,
    onThreadStarted: (id) => {
      seen.thread = id;
    },
    onUsage: (u) => {
      seen.usage = u;
    },
  });
  return { m, seen };
}

test("every codex item type maps to the event vocabulary", () => {
  const { m, seen } = mapper();
  const out = (event: ThreadEvent) => m.map(event).map((e) => [e.type, e.data]);
  assert.deepEqual(out({ type: "thread.started", thread_id: "t-1" }), []);
  assert.equal(seen.thread, "t-1");
  assert.deepEqual(
    out({
      type: "item.started",
      item: {
        id: "m1",
        type: "mcp_tool_call",
        server: "gh",
        tool: "search",
        arguments: { q: 1 },
        status: "in_progress",
      },
    }),
    [["tool_started", { tool: "gh.search", input: { q: 1 }, item_id: "m1" }]],
  );
  assert.deepEqual(
    out({
      type: "item.completed",
      item: {
        id: "m1",
        type: "mcp_tool_call",
        server: "gh",
        tool: "search",
        arguments: {},
        status: "failed",
        error: { message: "nope" },
      },
    }),
    [["tool_finished", { tool: "gh.search", output: null, is_error: true, error: "nope", item_id: "m1" }]],
  );
  assert.deepEqual(
    out({ type: "item.started", item: { id: "w", type: "web_search", query: "zod" } })[0]?.[0],
    "tool_started",
  );
  assert.deepEqual(
    out({ type: "item.completed", item: { id: "w", type: "web_search", query: "zod" } })[0]?.[0],
    "tool_finished",
  );
  const todo = { id: "t", type: "todo_list" as const, items: [{ text: "a", completed: false }] };
  assert.deepEqual(out({ type: "item.updated", item: todo }), [
    ["todo_updated", { items: todo.items, item_id: "t" }],
  ]);
  assert.deepEqual(
    out({ type: "item.completed", item: { id: "e", type: "error", message: "model fell back" } }),
    [["status_changed", { status: "running", warning: "model fell back", item_id: "e" }]],
  );
  assert.deepEqual(out({ type: "item.completed", item: { id: "r", type: "reasoning", text: "thinking" } }), [
    ["reasoning", { text: "thinking", item_id: "r" }],
  ]);
  assert.deepEqual(
    out({
      type: "item.completed",
      item: { id: "f", type: "file_change", changes: [{ path: "/a", kind: "add" }], status: "completed" },
    }),
    [["file_changed", { changes: [{ path: "/a", kind: "add" }], status: "completed", item_id: "f" }]],
  );
  assert.deepEqual(out({ type: "turn.failed", error: { message: "quota" } }), [
    ["run_failed", { message: "quota" }],
  ]);
  assert.deepEqual(out({ type: "error", message: "stream broke" }), [
    ["run_failed", { message: "stream broke" }],
  ]);
});

test("turn.completed reports this turn's usage from the thread's running total, then the result", () => {
  const { m, seen } = mapper(false, usage(300, 30));
  m.map({ type: "item.completed", item: { id: "a", type: "agent_message", text: "final words" } });
  const [usageEvent, completed] = m.map({ type: "turn.completed", usage: usage(450, 50) });
  assert.equal(usageEvent?.type, "usage_updated");
  assert.equal(usageEvent?.data.input_tokens, 150);
  assert.equal(usageEvent?.data.output_tokens, 20);
  assert.deepEqual(completed, {
    type: "run_completed",
    data: { final_response: "final words", usage: { ...usage(150, 20) } },
  });
  assert.deepEqual(seen.usage, usage(450, 50));
});

test("codex's own retries are warnings; a refused key is hopeless at once; other errors fail the run", () => {
  const { m } = mapper();
  const retry = "Reconnecting... 1/5 (stream disconnected before completion: error sending request)";
  assert.deepEqual(m.map({ type: "error", message: retry }), [
    { type: "status_changed", data: { status: "running", warning: retry } },
  ]);
  assert.equal(m.hopeless, false);
  m.map({ type: "item.completed", item: { id: "a", type: "agent_message", text: "recovered" } });
  assert.equal(m.map({ type: "turn.completed", usage: usage(10, 1) })[1]?.type, "run_completed");

  const refused = mapper().m;
  const [failed] = refused.map({
    type: "error",
    message: "Reconnecting... 1/5 (unexpected status 401 Unauthorized: Incorrect API key provided)",
  });
  assert.equal(failed?.type, "run_failed");
  assert.match(
    String(failed?.data.message),
    /^codex could not authenticate .* codex said: unexpected status 401 Unauthorized: Incorrect API key provided$/,
  );
  assert.equal(refused.hopeless, true);

  const [other] = mapper().m.map({ type: "error", message: "unexpected status 500 Internal Server Error" });
  assert.deepEqual(other, {
    type: "run_failed",
    data: { message: "unexpected status 500 Internal Server Error" },
  });
});

test("with an output schema the final message must be JSON", () => {
  const good = mapper(true, usage(0, 0)).m;
  good.map({ type: "item.completed", item: { id: "a", type: "agent_message", text: '{"answer":"42"}' } });
  assert.deepEqual(good.map({ type: "turn.completed", usage: usage(1, 1) })[1]?.data.structured_output, {
    answer: "42",
  });
  const bad = mapper(true, usage(0, 0)).m;
  bad.map({ type: "item.completed", item: { id: "a", type: "agent_message", text: "not json" } });
  const end = bad.map({ type: "turn.completed", usage: usage(1, 1) }).at(-1);
  assert.equal(end?.type, "run_failed");
  assert.equal(end?.data.code, "invalid_output");
});

test("input: persona first, text joined, data as JSON, images as local images, other files named", () => {
  const input = turnInput({
    profile_text: "You review code.",
    prompt: "Check this.",
    input_message: {
      parts: [
        { type: "text", text: "Focus on errors." },
        { type: "data", data: { files: 2 } },
        { type: "file", uri: "file:///tmp/shot.png" },
        { type: "file", uri: "/tmp/spec.pdf", mime_type: "application/pdf", name: "spec" },
        { type: "file", bytes_base64: "aGk=", name: "note.txt" },
      ],
    },
  });
  assert.ok(Array.isArray(input));
  const [text, image] = input as [{ type: "text"; text: string }, { type: "local_image"; path: string }];
  assert.deepEqual(image, { type: "local_image", path: "/tmp/shot.png" });
  assert.match(
    text.text,
    /^<instructions>\nYou review code\.\n<\/instructions>\n\nCheck this\.\n\nFocus on errors\./,
  );
  assert.match(text.text, /"files": 2/);
  assert.match(text.text, /\[Attached file: spec \(application\/pdf\) at \/tmp\/spec\.pdf\]/);
  assert.match(text.text, /note\.txt: inline bytes cannot be passed to codex/);
  assert.equal(turnInput({ prompt: "plain" }), "plain");
});

test("codex options: defaults for a headless run, env defaults, and overrides", () => {
  // workspace-write runs under the store profile, so no sandboxMode (which would make the SDK pass --sandbox).
  assert.deepEqual(codexOptions({}, {}), {
    thread: { approvalPolicy: "never", skipGitRepoCheck: true },
    configOverrides: storeProfileOverrides(false),
  });
  const fromEnv = codexOptions(
    {},
    { ORCHESTRATOR_CODEX_MODEL: "gpt-5.5", ORCHESTRATOR_CODEX_SANDBOX_MODE: "read-only" },
  );
  assert.equal(fromEnv.thread.model, "gpt-5.5");
  assert.equal(fromEnv.thread.sandboxMode, "read-only");
  const given = codexOptions(
    {
      sandbox_mode: "danger-full-access",
      network_access: true,
      reasoning_effort: "high",
      model: null,
      config: { a: 1 },
    },
    { ORCHESTRATOR_CODEX_SANDBOX_MODE: "read-only" },
  );
  assert.equal(given.thread.sandboxMode, "danger-full-access");
  assert.equal(given.thread.networkAccessEnabled, true);
  assert.equal(given.thread.modelReasoningEffort, "high");
  assert.deepEqual(given.config, { a: 1 });
  assert.throws(
    () => codexOptions({ approval_policy: "always" }),
    /backend_config\.approval_policy: expected one of never/,
  );
  assert.throws(() => codexOptions({ config: [1] }), /backend_config\.config: expected an object/);
});

test("codex options: the store is read-only under workspace-write, unless the caller or operator shapes the sandbox", () => {
  assert.equal(STORE_FOLDER, STORE_DIR);
  assert.deepEqual(storeProfileOverrides(true), [
    `default_permissions="${STORE_PROFILE}"`,
    `permissions.${STORE_PROFILE}.extends=":workspace"`,
    `permissions.${STORE_PROFILE}.filesystem={":workspace_roots"={".nanobot-orchestrator"="read"}}`,
    `permissions.${STORE_PROFILE}.network.enabled=true`,
  ]);
  const networked = codexOptions({ network_access: true, config: { model_provider: "fake" } }, {});
  assert.deepEqual(networked.configOverrides, storeProfileOverrides(true));
  assert.equal(networked.thread.sandboxMode, undefined);
  assert.equal(networked.thread.networkAccessEnabled, undefined);

  const plain = { sandboxMode: "workspace-write", networkAccessEnabled: true };
  for (const config of [
    { sandbox_workspace_write: { writable_roots: ["/data"] } },
    { "sandbox_workspace_write.writable_roots": ["/data"] },
    { permissions: { mine: { extends: ":workspace" } } },
    { default_permissions: ":workspace" },
  ]) {
    const options = codexOptions({ network_access: true, config }, {});
    assert.equal(options.configOverrides, undefined, JSON.stringify(config));
    assert.deepEqual(options.thread, { ...options.thread, ...plain });
  }
  for (const off of ["false", "0", "FALSE"]) {
    const options = codexOptions({}, { ORCHESTRATOR_CODEX_STORE_READONLY: off });
    assert.equal(options.configOverrides, undefined);
    assert.equal(options.thread.sandboxMode, "workspace-write");
  }
  assert.ok(codexOptions({}, { ORCHESTRATOR_CODEX_STORE_READONLY: "true" }).configOverrides);
  for (const sandbox_mode of ["read-only", "danger-full-access"]) {
    const options = codexOptions({ sandbox_mode }, {});
    assert.equal(options.configOverrides, undefined);
    assert.equal(options.thread.sandboxMode, sandbox_mode);
  }
});
