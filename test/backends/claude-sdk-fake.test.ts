/**
 * The real @anthropic-ai/claude-agent-sdk driving the real Claude Code CLI against the fake Messages server: proves
 * the fake speaks the wire protocol well enough for every scenario the claude backend relies on, and pins down
 * how the SDK behaves (message order, permissions, AskUserQuestion answers, structured output, errors, abort).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  AbortError,
  type CanUseTool,
  type Options,
  type PermissionResult,
  type Query,
  query,
  type SDKAssistantMessage,
  type SDKMessage,
  type SDKResultMessage,
  type SDKUserMessage,
} from "@anthropic-ai/claude-agent-sdk";
import {
  ANSWER_SCHEMA,
  type FakeMessages,
  type RecordedRequest,
  startFakeMessages,
} from "../../src/sim/messages-server.js";
import { tempDir } from "../helpers/temp.js";

/** One permission request the CLI sent to `canUseTool`. */
interface PermissionCall {
  toolName: string;
  input: Record<string, unknown>;
}

interface RunResult {
  messages: SDKMessage[];
  /** What the message iterator threw (the SDK throws after an is_error result, and on abort). */
  error: unknown;
  permissionCalls: PermissionCall[];
  ms: number;
}

interface RunOptions {
  cwd?: string;
  home?: string;
  /** Answers `canUseTool`; allows with the input unchanged by default. */
  decide?: (toolName: string, input: Record<string, unknown>) => PermissionResult;
  extra?: Partial<Options>;
  /** Called with the running query and its abort controller once it has started. */
  onStart?: (controller: AbortController, stream: Query) => void;
}

/** Content blocks as the SDK hands them over (assistant and user messages share this loose shape here). */
interface Block {
  type: string;
  text?: string;
  name?: string;
  id?: string;
  input?: Record<string, unknown>;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

let fake: FakeMessages;

before(async () => {
  fake = await startFakeMessages();
});

after(async () => {
  await fake.close();
});

async function run(prompt: string, opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const messages: SDKMessage[] = [];
  const permissionCalls: PermissionCall[] = [];
  const controller = new AbortController();
  const canUseTool: CanUseTool = async (toolName, input) => {
    permissionCalls.push({ toolName, input });
    return opts.decide ? opts.decide(toolName, input) : { behavior: "allow", updatedInput: input };
  };
  let error: unknown = null;
  try {
    const stream = query({
      prompt,
      options: {
        cwd: opts.cwd ?? tempDir("claude-cwd-"),
        env: fake.claudeEnv(opts.home ?? tempDir("claude-home-")),
        permissionMode: "default",
        canUseTool,
        abortController: controller,
        ...opts.extra,
      },
    });
    opts.onStart?.(controller, stream);
    for await (const message of stream) messages.push(message);
  } catch (err) {
    error = err;
  }
  return { messages, error, permissionCalls, ms: Date.now() - started };
}

function resultOf(r: RunResult): SDKResultMessage {
  const result = r.messages.find((m): m is SDKResultMessage => m.type === "result");
  assert.ok(result, `a result message: ${JSON.stringify(r.messages.map((m) => m.type))}`);
  return result;
}

function assistantBlocks(r: RunResult): Block[] {
  return r.messages
    .filter((m): m is SDKAssistantMessage => m.type === "assistant")
    .flatMap((m) => m.message.content as Block[]);
}

function userBlocks(r: RunResult): Block[] {
  return r.messages
    .filter((m): m is SDKUserMessage => m.type === "user")
    .flatMap((m) => (Array.isArray(m.message.content) ? (m.message.content as Block[]) : []));
}

function toolResult(r: RunResult): Block {
  const block = userBlocks(r).find((b) => b.type === "tool_result");
  assert.ok(block, "a tool_result in a user message");
  return block;
}

function finalText(r: RunResult): string {
  return (
    assistantBlocks(r)
      .filter((b) => b.type === "text")
      .at(-1)?.text ?? ""
  );
}

function sessionId(r: RunResult): string {
  const init = r.messages[0];
  assert.ok(init?.type === "system" && init.subtype === "init", `first message: ${JSON.stringify(init)}`);
  return init.session_id;
}

/** Completed normally: system/init first, a successful result last, nothing thrown. */
function assertCompleted(r: RunResult): SDKResultMessage {
  assert.equal(r.error, null, `query threw: ${String(r.error)}`);
  sessionId(r);
  const result = r.messages.at(-1);
  assert.ok(result?.type === "result", `last message: ${JSON.stringify(result)}`);
  assert.equal(result.subtype, "success");
  assert.equal(result.is_error, false);
  return result;
}

function requestsFor(marker: string): RecordedRequest[] {
  return fake.messagesRequests().filter((r) => r.prompt?.includes(marker));
}

/** The recorded JSON body of a request, typed as the test expects it. */
function bodyOf<T>(req: RecordedRequest | undefined): T {
  assert.ok(req, "the request was recorded");
  return req.body as T;
}

/** Processes started with this HOME (the claude CLI and anything its tools spawned). */
function processesWithHome(home: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (environ.includes(`HOME=${home}`) || cmdline.includes(home)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe("claude agent SDK against the fake Messages server", () => {
  test("say: init, one assistant text, a successful result", async () => {
    const r = await run("hello there [[say:hi from the fake]]");
    const result = assertCompleted(r);
    assert.deepEqual(
      r.messages.map((m) => m.type),
      ["system", "assistant", "result"],
    );
    const init = r.messages[0];
    assert.ok(init?.type === "system" && init.subtype === "init");
    assert.match(init.session_id, /^[0-9a-f-]{36}$/);
    assert.equal(init.permissionMode, "default");
    assert.ok(init.tools.includes("Bash") && init.tools.includes("AskUserQuestion"), init.tools.join(","));
    assert.equal(finalText(r), "hi from the fake");
    assert.equal(result.subtype === "success" && result.result, "hi from the fake");
    assert.equal(result.session_id, init.session_id);
    assert.equal(result.num_turns, 1);
    assert.equal(result.usage.input_tokens, 100);
    assert.equal(result.usage.output_tokens, 10);
    assert.deepEqual(r.permissionCalls, []);

    const [req] = requestsFor("hi from the fake");
    assert.ok(req, "the fake saw the turn");
    assert.equal(req.path, "/v1/messages?beta=true");
    assert.equal(req.headers["x-api-key"], "dummy");
    assert.equal(req.headers["anthropic-version"], "2023-06-01");
    assert.equal(req.headers["x-claude-code-session-id"], init.session_id);
    assert.equal(req.prompt, "hello there [[say:hi from the fake]]");
    assert.equal(req.streamed, true);
    const body = bodyOf<{
      model: string;
      stream: boolean;
      messages: { role: string }[];
      tools: { name: string }[];
    }>(req);
    assert.equal(body.stream, true);
    assert.equal(body.model, init.model);
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ["user", "system"],
      "a role: system entry follows the prompt",
    );
    const names = body.tools.map((t) => t.name);
    for (const name of ["Bash", "AskUserQuestion", "Read", "Write", "Edit"])
      assert.ok(names.includes(name), name);
  });

  test("bash: echo runs without asking, its output comes back as a tool_result", async () => {
    const r = await run("run it [[bash:echo bash-marker-123]]");
    assertCompleted(r);
    assert.deepEqual(r.permissionCalls, [], "echo needs no permission");
    assert.deepEqual(
      r.messages.map((m) => m.type),
      ["system", "assistant", "user", "assistant", "result"],
    );
    const use = assistantBlocks(r).find((b) => b.type === "tool_use");
    assert.equal(use?.name, "Bash");
    assert.equal(use?.input?.command, "echo bash-marker-123");
    const res = toolResult(r);
    assert.equal(res.tool_use_id, use?.id);
    assert.equal(res.is_error, false);
    assert.equal(res.content, "bash-marker-123");
    assert.match(finalText(r), /ran it\. output:\nbash-marker-123/);
    assert.equal(resultOf(r).num_turns, 2);

    const reqs = requestsFor("bash-marker-123");
    assert.deepEqual(
      reqs.map((q) => q.answer),
      ["bash:call", "bash:final"],
    );
    const { messages } = bodyOf<{ messages: { role: string }[] }>(reqs[1]);
    assert.deepEqual(
      messages.map((m) => m.role),
      ["user", "system", "assistant", "user"],
    );
  });

  test("touch allowed: canUseTool is asked and the file is made", async () => {
    const cwd = tempDir("claude-cwd-");
    const r = await run("make it [[touch:allowed.txt]]", { cwd });
    assertCompleted(r);
    assert.equal(r.permissionCalls.length, 1);
    assert.equal(r.permissionCalls[0]?.toolName, "Bash");
    assert.equal(r.permissionCalls[0]?.input.command, "touch allowed.txt");
    assert.ok(existsSync(join(cwd, "allowed.txt")), "the file exists");
    assert.equal(toolResult(r).is_error, false);
    assert.match(finalText(r), /^touch succeeded/);
    assert.deepEqual(
      requestsFor("allowed.txt").map((q) => q.answer),
      ["touch:call", "touch:allowed"],
    );
  });

  test("touch denied: an is_error tool_result carries the message and the turn still completes", async () => {
    const cwd = tempDir("claude-cwd-");
    const r = await run("make it [[touch:denied.txt]]", {
      cwd,
      decide: () => ({ behavior: "deny", message: "not today, says the test" }),
    });
    const result = assertCompleted(r);
    assert.equal(r.permissionCalls.length, 1);
    assert.ok(!existsSync(join(cwd, "denied.txt")), "no file");
    const res = toolResult(r);
    assert.equal(res.is_error, true);
    assert.equal(res.content, "not today, says the test");
    assert.match(finalText(r), /^touch was denied/);
    assert.deepEqual(
      result.permission_denials.map((d) => [d.tool_name, d.tool_input.command]),
      [["Bash", "touch denied.txt"]],
    );
  });

  test("ask: AskUserQuestion is answered through canUseTool with updatedInput.answers", async () => {
    const question = "Which color should the bikeshed be?";
    const r = await run(`ask me [[ask:${question}]]`, {
      decide: (toolName, input) => {
        assert.equal(toolName, "AskUserQuestion");
        // The answer goes back as the tool's own input plus `answers`: question text → answer text (a free-text
        // answer that is none of the offered labels is fine too).
        return { behavior: "allow", updatedInput: { ...input, answers: { [question]: "Teal, please" } } };
      },
    });
    assertCompleted(r);
    assert.equal(r.permissionCalls.length, 1);
    const asked = r.permissionCalls[0]?.input as { questions: { question: string; options: unknown[] }[] };
    assert.equal(asked.questions[0]?.question, question);
    assert.equal(asked.questions[0]?.options.length, 2);
    const res = toolResult(r);
    assert.equal(res.is_error, undefined);
    assert.match(String(res.content), /"Which color should the bikeshed be\?"="Teal, please"/);
    assert.match(finalText(r), /^the user answered:\n.*Teal, please/);

    const [call] = requestsFor("bikeshed");
    const tools = bodyOf<{ tools: { name: string; input_schema: { required: string[] } }[] }>(call).tools;
    const ask = tools.find((t) => t.name === "AskUserQuestion");
    assert.deepEqual(ask?.input_schema.required, ["questions"]);
  });

  test("ask without answers: allowing the input unchanged reads as no answer", async () => {
    const r = await run("ask me [[ask:Unanswered question?]]");
    assertCompleted(r);
    assert.equal(toolResult(r).content, "The user did not answer the questions.");
  });

  test("resume: the same session id, and the fake sees the earlier history", async () => {
    const cwd = tempDir("claude-cwd-");
    const home = tempDir("claude-home-");
    const one = await run("first turn [[say:alpha-reply]]", { cwd, home });
    assertCompleted(one);
    const id = sessionId(one);

    const two = await run("second turn [[say:beta-reply]]", { cwd, home, extra: { resume: id } });
    assertCompleted(two);
    assert.equal(sessionId(two), id, "resuming keeps the session id");
    assert.equal(finalText(two), "beta-reply");
    assert.equal(resultOf(two).usage.input_tokens, 100, "usage is per turn");

    const [req] = requestsFor("second turn");
    const { messages } = bodyOf<{ messages: { role: string; content: unknown }[] }>(req);
    const history = JSON.stringify(messages);
    assert.ok(history.includes("first turn [[say:alpha-reply]]"), "earlier prompt in history");
    assert.deepEqual(
      messages.map((m) => m.role),
      ["user", "system", "assistant", "user"],
    );
    assert.equal(
      JSON.stringify(messages[2]?.content),
      JSON.stringify([{ type: "text", text: "alpha-reply" }]),
    );
  });

  test("json: outputFormat adds a StructuredOutput tool and the result carries structured_output", async () => {
    const r = await run("structured please [[json]]", {
      extra: { outputFormat: { type: "json_schema", schema: { ...ANSWER_SCHEMA } } },
    });
    const result = assertCompleted(r);
    assert.ok(result.subtype === "success");
    assert.deepEqual(result.structured_output, { answer: "42" });
    assert.equal(result.result, '{"answer":"42"}');
    assert.equal(result.stop_reason, "tool_use");
    const use = assistantBlocks(r).find((b) => b.type === "tool_use");
    assert.equal(use?.name, "StructuredOutput");
    assert.equal(toolResult(r).content, "Structured output provided successfully");

    const reqs = requestsFor("structured please");
    assert.deepEqual(
      reqs.map((q) => q.answer),
      ["json:call"],
      "the StructuredOutput call ends the turn: no further request",
    );
    const tool = bodyOf<{ tools: { name: string; input_schema: unknown }[] }>(reqs[0]).tools.find(
      (t) => t.name === "StructuredOutput",
    );
    assert.deepEqual(tool?.input_schema, ANSWER_SCHEMA);
  });

  test("nostream: after an event stream without message_start the CLI asks again with stream: false", async () => {
    const r = await run("fallback [[nostream]] [[bash:echo fallback-marker]]");
    assertCompleted(r);
    assert.equal(toolResult(r).content, "fallback-marker");
    assert.match(finalText(r), /fallback-marker/);
    const reqs = requestsFor("fallback-marker");
    assert.deepEqual(
      reqs.map((q) => [q.answer, bodyOf<{ stream?: boolean }>(q).stream ?? false]),
      [
        ["nostream", true],
        ["bash:call", false],
        ["nostream", true],
        ["bash:final", false],
      ],
    );
  });

  test("http500: an is_error result, then the iterator throws, quickly and without retries", async () => {
    const r = await run("break [[http500]]");
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    sessionId(r);
    const result = resultOf(r);
    assert.equal(result.is_error, true);
    assert.equal(result.subtype, "success", "an API error arrives as subtype success with is_error");
    assert.ok(result.subtype === "success");
    assert.match(result.result, /API Error: 500 fake: internal server error/);
    assert.ok(r.error instanceof Error, "the SDK throws after the error result");
    assert.match(r.error.message, /Claude Code returned an error result: API Error: 500/);
    assert.equal(requestsFor("break [[http500]]").length, 1, "CLAUDE_CODE_MAX_RETRIES=0: no retry");
  });

  test("hang: abort() ends the iterator with AbortError and the claude process goes away", async () => {
    const home = tempDir("claude-home-");
    let controller: AbortController | undefined;
    const turn = run("never ends [[hang]]", { home, onStart: (c) => (controller = c) });
    const deadline = Date.now() + 10_000;
    while (requestsFor("never ends").length === 0 && Date.now() < deadline) await sleep(25);
    assert.equal(requestsFor("never ends")[0]?.answer, "hang");
    assert.ok(processesWithHome(home).length > 0, "claude is running");
    const abortedAt = Date.now();
    controller?.abort();
    const r = await turn;
    const afterAbort = Date.now() - abortedAt;
    // The SDK closes the CLI's stdin, waits 2 s, then sends SIGTERM (SIGKILL 5 s later) and ends the iterator.
    assert.ok(afterAbort < 4_000, `iterator ended ${afterAbort} ms after abort`);
    assert.ok(r.error instanceof AbortError, String(r.error));
    assert.match(r.error.message, /aborted by user/);
    assert.ok(!r.messages.some((m) => m.type === "result"), "no result message after an abort");
    while (processesWithHome(home).length > 0 && Date.now() < abortedAt + 8_000) await sleep(25);
    assert.deepEqual(processesWithHome(home), [], "no claude process left");
    while (fake.activeConnections() > 0 && Date.now() < abortedAt + 8_000) await sleep(25);
    assert.equal(fake.activeConnections(), 0, "the killed CLI closed its socket");
  });

  test("hang: interrupt() ends the turn at once with an error result, and the process exits", async () => {
    const home = tempDir("claude-home-");
    let stream: Query | undefined;
    const turn = run("stopped early [[hang]]", { home, onStart: (_c, s) => (stream = s) });
    const deadline = Date.now() + 10_000;
    while (requestsFor("stopped early").length === 0 && Date.now() < deadline) await sleep(25);
    const interruptedAt = Date.now();
    await stream?.interrupt();
    const r = await turn;
    const afterInterrupt = Date.now() - interruptedAt;
    assert.ok(afterInterrupt < 2_000, `iterator ended ${afterInterrupt} ms after interrupt`);
    assert.deepEqual(
      r.messages.map((m) => m.type),
      ["system", "user", "result"],
    );
    assert.match(JSON.stringify(userBlocks(r)), /\[Request interrupted by user\]/);
    const result = resultOf(r);
    assert.equal(result.subtype, "error_during_execution");
    assert.equal(result.is_error, true);
    assert.ok(r.error instanceof Error && !(r.error instanceof AbortError), String(r.error));
    assert.match(r.error.message, /Claude Code returned an error result/);
    while (processesWithHome(home).length > 0 && Date.now() < interruptedAt + 5_000) await sleep(25);
    assert.deepEqual(processesWithHome(home), [], "no claude process left");
  });

  test("the CLI stayed on 127.0.0.1 and only called POST /v1/messages?beta=true", () => {
    assert.deepEqual(fake.outsideAttempts, []);
    const paths = new Set(fake.requests.map((r) => `${r.method} ${r.path}`));
    assert.deepEqual([...paths], ["POST /v1/messages?beta=true"]);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
