import assert from "node:assert/strict";
import { test } from "node:test";
import type { SDKMessage } from "@anthropic-ai/claude-agent-sdk";
import { ClaudeMessageMapper } from "../../src/backends/claude/map-messages.js";
import { claudeConfig } from "../../src/backends/claude/options.js";
import { PermissionBridge } from "../../src/backends/claude/permission-bridge.js";
import type { InputMessage } from "../../src/core/run.js";

/** An event as the bridge emits it, with its data open for assertions. */
type Shown = { type: string; data: Record<string, unknown> };

const text = (t: string): InputMessage => ({ parts: [{ type: "text", text: t }] });
const data = (d: Record<string, unknown>): InputMessage => ({ parts: [{ type: "data", data: d }] });
const ask = (
  bridge: PermissionBridge,
  tool: string,
  input: Record<string, unknown>,
  signal = new AbortController().signal,
) => bridge.canUseTool(tool, input, { signal, suggestions: [], toolUseID: "t" } as never);

test("permission requests queue in order, one shown at a time, answered by data or text", async () => {
  const shown: Shown[] = [];
  const bridge = new PermissionBridge("ask", (e) => shown.push(e as Shown));
  const first = ask(bridge, "Bash", { command: "touch a" });
  const second = ask(bridge, "Write", { file_path: "/x" });
  assert.equal(shown.length, 1);
  assert.equal(shown[0]?.data.kind, "permission");
  assert.equal(shown[0]?.data.tool, "Bash");
  assert.deepEqual(shown[0]?.data.input, { command: "touch a" });
  assert.throws(() => bridge.answer(text("maybe")), /input_message: answer the permission request for Bash/);
  assert.throws(() => bridge.answer(data({ decision: "perhaps" })), /decision: expected "allow" or "deny"/);
  assert.throws(
    () => bridge.answer(data({ decision: "allow", request_id: "nope" })),
    /no pending request nope/,
  );
  bridge.answer(data({ decision: "allow", request_id: shown[0]?.data.request_id }));
  assert.deepEqual(await first, { behavior: "allow", updatedInput: { command: "touch a" } });
  assert.equal(shown.length, 2, "the next request is shown once the first is answered");
  assert.equal(shown[1]?.data.tool, "Write");
  bridge.answer(text("deny"));
  assert.deepEqual(await second, { behavior: "deny", message: "deny" });
  assert.equal(bridge.waiting, false);
  assert.throws(() => bridge.answer(text("allow")), /not waiting for an answer/);
});

test("a question is answered with text, as the tool's answers", async () => {
  const shown: Shown[] = [];
  const bridge = new PermissionBridge("ask", (e) => shown.push(e as Shown));
  const input = {
    questions: [{ question: "Which DB?", header: "DB", options: [{ label: "pg" }, { label: "sqlite" }] }],
  };
  const answered = ask(bridge, "AskUserQuestion", input);
  assert.deepEqual(shown[0]?.data, {
    kind: "question",
    request_id: shown[0]?.data.request_id,
    text: "Which DB?",
    options: ["pg", "sqlite"],
  });
  bridge.answer(text("sqlite"));
  assert.deepEqual(await answered, {
    behavior: "allow",
    updatedInput: { ...input, answers: { "Which DB?": "sqlite" } },
  });
});

test("policies answer at once; an abort denies the waiting request and shows the next", async () => {
  const none: Shown[] = [];
  assert.equal(
    (await ask(new PermissionBridge("allow", (e) => none.push(e as Shown)), "Bash", {}))?.behavior,
    "allow",
  );
  assert.equal(
    (await ask(new PermissionBridge("deny", (e) => none.push(e as Shown)), "Bash", {}))?.behavior,
    "deny",
  );
  assert.equal(
    (await ask(new PermissionBridge("allow", (e) => none.push(e as Shown)), "AskUserQuestion", {}))?.behavior,
    "deny",
  );
  assert.deepEqual(none, []);
  const shown: Shown[] = [];
  const bridge = new PermissionBridge("ask", (e) => shown.push(e as Shown));
  const controller = new AbortController();
  const first = ask(bridge, "Bash", { command: "a" }, controller.signal);
  void ask(bridge, "Bash", { command: "b" });
  controller.abort();
  assert.deepEqual(await first, { behavior: "deny", message: "The request was withdrawn.", interrupt: true });
  assert.equal(shown.length, 2);
  bridge.cancelAll();
  assert.equal(bridge.waiting, false);
  assert.equal(shown.length, 2, "a run that stops announces no withdrawal");
});

test("a request Claude Code withdraws, with none behind it, puts the run back to running", async () => {
  const shown: Shown[] = [];
  const bridge = new PermissionBridge("ask", (e) => shown.push(e as Shown));
  const controller = new AbortController();
  const request = ask(bridge, "Bash", { command: "touch x" }, controller.signal);
  assert.equal(shown[0]?.type, "input_required");
  controller.abort();
  await request;
  assert.deepEqual(shown[1], {
    type: "status_changed",
    data: { status: "running", reason: "request_withdrawn", request_id: shown[0]?.data.request_id },
  });
  assert.equal(bridge.waiting, false);
});

test("Claude Code messages map to the event vocabulary", () => {
  let session = "";
  const mapper = new ClaudeMessageMapper({ structured: false, onSession: (id) => (session = id) });
  const map = (m: unknown) => mapper.map(m as SDKMessage).map((e) => [e.type, e.data]);
  assert.deepEqual(
    map({ type: "system", subtype: "init", session_id: "s-1", model: "m", permissionMode: "default" }),
    [
      [
        "status_changed",
        { status: "running", reason: "session_started", model: "m", permission_mode: "default" },
      ],
    ],
  );
  assert.equal(session, "s-1");
  const assistant = (content: unknown[]) => ({ type: "assistant", message: { content } });
  assert.deepEqual(
    map(
      assistant([
        { type: "thinking", thinking: "hmm" },
        { type: "text", text: "hi" },
      ]),
    ),
    [
      ["reasoning", { text: "hmm" }],
      ["agent_message", { text: "hi" }],
    ],
  );
  assert.deepEqual(
    map(assistant([{ type: "tool_use", id: "b1", name: "Bash", input: { command: "false" } }])),
    [["command_started", { command: "false", tool_use_id: "b1" }]],
  );
  const result = (block: unknown, tool_use_result?: unknown) => ({
    type: "user",
    message: { content: [block] },
    tool_use_result,
  });
  assert.deepEqual(
    map(
      result(
        { type: "tool_result", tool_use_id: "b1", is_error: true, content: "Exit code 3\nboom" },
        { stdout: "", stderr: "boom" },
      ),
    ),
    [
      [
        "command_finished",
        { command: "false", exit_code: 3, stdout: "", stderr: "boom", is_error: true, tool_use_id: "b1" },
      ],
    ],
  );
  map(
    assistant([{ type: "tool_use", id: "w1", name: "Write", input: { file_path: "/a.txt", content: "x" } }]),
  );
  assert.deepEqual(
    map(
      result(
        { type: "tool_result", tool_use_id: "w1", content: [{ type: "text", text: "ok" }] },
        { type: "create" },
      ),
    ),
    [
      ["tool_finished", { tool: "Write", output: "ok", is_error: false, tool_use_id: "w1" }],
      ["file_changed", { changes: [{ path: "/a.txt", kind: "add" }], tool: "Write" }],
    ],
  );
  assert.deepEqual(
    map(assistant([{ type: "tool_use", id: "t1", name: "TodoWrite", input: { todos: [{ content: "a" }] } }])),
    [["todo_updated", { items: [{ content: "a" }] }]],
  );
  assert.deepEqual(
    map({
      type: "system",
      subtype: "api_retry",
      attempt: 1,
      max_retries: 3,
      retry_delay_ms: 500,
      error_status: 529,
    })[0]?.[1],
    {
      status: "running",
      reason: "api_retry",
      attempt: 1,
      max_retries: 3,
      retry_delay_ms: 500,
      error_status: 529,
    },
  );
  const usage = {
    input_tokens: 10,
    output_tokens: 5,
    cache_read_input_tokens: 2,
    cache_creation_input_tokens: 1,
  };
  const done = map({
    type: "result",
    subtype: "success",
    is_error: false,
    result: "all good",
    structured_output: { a: 1 },
    usage,
    total_cost_usd: 0.01,
    num_turns: 2,
    duration_ms: 900,
  });
  assert.equal(done[0]?.[0], "usage_updated");
  assert.deepEqual(done[1], [
    "run_completed",
    { final_response: "all good", structured_output: { a: 1 }, usage: done[0]?.[1] },
  ]);
  assert.equal(
    map({
      type: "result",
      subtype: "success",
      is_error: true,
      result: "API Error: 500",
      usage,
      total_cost_usd: 0,
      num_turns: 1,
      duration_ms: 1,
    })[1]?.[0],
    "run_failed",
  );
  assert.deepEqual(
    map({
      type: "result",
      subtype: "error_max_turns",
      errors: [],
      usage,
      total_cost_usd: 0,
      num_turns: 1,
      duration_ms: 1,
    })[1],
    ["run_failed", { code: "error_max_turns", message: "Claude Code stopped: error_max_turns" }],
  );
});

test("claude_code options: safe defaults, env defaults, and clear refusals", () => {
  assert.deepEqual(claudeConfig({}, {}), {
    permission_mode: "default",
    setting_sources: [],
    on_permission: "ask",
  });
  const env = { ORCHESTRATOR_CLAUDE_MODEL: "sonnet", ORCHESTRATOR_CLAUDE_ALLOWED_TOOLS: "Read, Grep" };
  assert.deepEqual(claudeConfig({ max_turns: 3, on_permission: "deny" }, env), {
    permission_mode: "default",
    setting_sources: [],
    on_permission: "deny",
    model: "sonnet",
    allowed_tools: ["Read", "Grep"],
    max_turns: 3,
  });
  assert.throws(
    () => claudeConfig({ permission_mode: "yolo" }),
    /backend_config\.permission_mode: expected one of default/,
  );
  assert.throws(
    () => claudeConfig({ max_turns: 0 }),
    /backend_config\.max_turns: expected a positive integer/,
  );
  assert.throws(() => claudeConfig({ setting_sources: ["cloud"] }), /backend_config\.setting_sources/);
  assert.throws(() => claudeConfig({ allowed_tools: [1] }), /backend_config\.allowed_tools/);
  assert.throws(
    () => claudeConfig({ agent_url: "x" }),
    /backend_config\.agent_url: unknown claude_code option/,
  );
});
