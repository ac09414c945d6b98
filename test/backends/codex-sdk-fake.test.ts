/**
 * The real @openai/codex-sdk driving the real codex CLI against the fake Responses server: proves the fake speaks
 * the wire protocol well enough for every scenario the codex backend relies on.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  Codex,
  type ThreadEvent,
  type ThreadItem,
  type ThreadOptions,
  type TurnOptions,
} from "@openai/codex-sdk";
import {
  type FakeResponses,
  type RecordedRequest,
  startFakeResponses,
} from "../../src/sim/responses-server.js";
import { tempDir } from "../helpers/temp.js";

interface TurnResult {
  events: ThreadEvent[];
  /** What the event iterator threw (the SDK throws after `turn.failed`, since codex exits 1). */
  error: unknown;
  ms: number;
}

let fake: FakeResponses;

before(async () => {
  fake = await startFakeResponses();
});

after(async () => {
  await fake.close();
});

function newCodex(home = tempDir("codex-home-")): Codex {
  return new Codex({ config: fake.codexConfig(), env: fake.codexEnv(home) });
}

function threadOptions(cwd = tempDir("codex-cwd-")): ThreadOptions {
  return {
    workingDirectory: cwd,
    skipGitRepoCheck: true,
    sandboxMode: "workspace-write",
    approvalPolicy: "never",
  };
}

async function runTurn(
  thread: ReturnType<Codex["startThread"]>,
  prompt: string,
  options: TurnOptions = {},
): Promise<TurnResult> {
  const started = Date.now();
  const events: ThreadEvent[] = [];
  let error: unknown = null;
  try {
    const { events: stream } = await thread.runStreamed(prompt, options);
    for await (const event of stream) events.push(event);
  } catch (err) {
    error = err;
  }
  return { events, error, ms: Date.now() - started };
}

function completed(result: TurnResult): ThreadItem[] {
  return result.events.flatMap((e) => (e.type === "item.completed" ? [e.item] : []));
}

function only<T extends ThreadItem["type"]>(result: TurnResult, type: T): Extract<ThreadItem, { type: T }>[] {
  return completed(result).filter((i): i is Extract<ThreadItem, { type: T }> => i.type === type);
}

function finalText(result: TurnResult): string {
  return only(result, "agent_message").at(-1)?.text ?? "";
}

function assertCompleted(result: TurnResult): void {
  assert.equal(result.error, null, `turn threw: ${String(result.error)}`);
  assert.equal(result.events[0]?.type, "thread.started");
  assert.equal(result.events.at(-1)?.type, "turn.completed", JSON.stringify(result.events));
}

/** The recorded JSON body of a request, typed as the test expects it. */
function bodyOf<T>(req: RecordedRequest | undefined): T {
  assert.ok(req, "the request was recorded");
  return req.body as T;
}

function requestsFor(marker: string): RecordedRequest[] {
  return fake.responsesRequests().filter((r) => r.prompt?.includes(marker));
}

describe("codex SDK against the fake Responses server", () => {
  test("say: a plain turn ends with the scripted message", async () => {
    const thread = newCodex().startThread(threadOptions());
    const result = await runTurn(thread, "hello there [[say:hi from the fake]]");
    assertCompleted(result);
    assert.equal(finalText(result), "hi from the fake");
    const started = result.events[0];
    assert.ok(started?.type === "thread.started" && started.thread_id.length > 0);
    assert.equal(thread.id, started.thread_id);

    const [req] = requestsFor("hi from the fake");
    assert.ok(req, "the fake saw the turn");
    assert.equal(req.path, "/v1/responses");
    assert.equal(req.headers.authorization, "Bearer sk-fake-key");
    assert.equal(req.prompt, "hello there [[say:hi from the fake]]");
    const body = bodyOf<{ model: string; stream: boolean; tools: { name?: string; type: string }[] }>(req);
    assert.equal(body.model, "gpt-5.5");
    assert.equal(body.stream, true);
    const names = body.tools.map((t) => t.name);
    assert.ok(names.includes("exec_command"), `tools: ${names.join(",")}`);
    assert.ok(
      body.tools.some((t) => t.name === "apply_patch" && t.type === "custom"),
      "apply_patch is a freeform tool",
    );
  });

  test("exec: a shell call runs and its output reaches the final message", async () => {
    const thread = newCodex().startThread(threadOptions());
    const result = await runTurn(thread, "run it [[exec:echo exec-marker-123]]");
    assertCompleted(result);
    const [cmd] = only(result, "command_execution");
    assert.ok(cmd, "a command_execution item");
    assert.equal(cmd.exit_code, 0);
    assert.equal(cmd.status, "completed");
    assert.match(cmd.command, /echo exec-marker-123/);
    assert.equal(cmd.aggregated_output, "exec-marker-123\n");
    assert.match(finalText(result), /exec-marker-123/);

    const reqs = requestsFor("exec-marker-123");
    assert.deepEqual(
      reqs.map((r) => r.answer),
      ["exec:call", "exec:final"],
    );
    const { input } = bodyOf<{ input: { type: string }[] }>(reqs[1]);
    assert.equal(input.at(-1)?.type, "function_call_output");
  });

  test("patch: apply_patch adds a file in the working directory", async () => {
    const cwd = tempDir("codex-cwd-");
    const thread = newCodex().startThread(threadOptions(cwd));
    const result = await runTurn(thread, "write it [[patch:sub/hello.txt:line one\nline two]]");
    assertCompleted(result);
    const [change] = only(result, "file_change");
    assert.ok(change, "a file_change item");
    assert.equal(change.status, "completed");
    assert.deepEqual(change.changes, [{ path: join(cwd, "sub/hello.txt"), kind: "add" }]);
    assert.equal(readFileSync(join(cwd, "sub/hello.txt"), "utf8"), "line one\nline two\n");
    assert.match(finalText(result), /Success/);
  });

  test("reason: a reasoning item precedes the final message", async () => {
    const thread = newCodex().startThread(threadOptions());
    const result = await runTurn(thread, "think first [[reason]] [[say:reasoned]]");
    assertCompleted(result);
    assert.deepEqual(
      completed(result).map((i) => i.type),
      ["reasoning", "agent_message"],
    );
    assert.match(only(result, "reasoning")[0]?.text ?? "", /Thinking/);
    assert.equal(finalText(result), "reasoned");
  });

  test("big: codex keeps 1 MiB of a 1.5 MB command output", async () => {
    const thread = newCodex().startThread(threadOptions());
    const result = await runTurn(thread, "flood [[big:1500000]]");
    assertCompleted(result);
    const [cmd] = only(result, "command_execution");
    assert.ok(cmd, "a command_execution item");
    assert.equal(cmd.exit_code, 0);
    assert.ok(cmd.aggregated_output.length > 1_000_000, `aggregated ${cmd.aggregated_output.length}`);
    assert.ok(cmd.aggregated_output.length < 1_100_000, `aggregated ${cmd.aggregated_output.length}`);
    assert.match(cmd.aggregated_output, /\.\.\. 451424 bytes omitted \.\.\./);
    assert.match(finalText(result), /^big done/);
  });

  test("json: outputSchema reaches the model as text.format and the answer parses", async () => {
    const schema = {
      type: "object",
      properties: { answer: { type: "string" } },
      required: ["answer"],
      additionalProperties: false,
    };
    const thread = newCodex().startThread(threadOptions());
    const result = await runTurn(thread, "structured please [[json]]", { outputSchema: schema });
    assertCompleted(result);
    assert.deepEqual(JSON.parse(finalText(result)), { answer: "42" });
    const [req] = requestsFor("structured please");
    const format = bodyOf<{ text: { format: Record<string, unknown> } }>(req).text.format;
    assert.equal(format.type, "json_schema");
    assert.equal(format.strict, true);
    assert.deepEqual(format.schema, schema);
  });

  test("http500: the turn fails quickly", async () => {
    const thread = newCodex().startThread(threadOptions());
    const result = await runTurn(thread, "break [[http500]]");
    assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
    const failed = result.events.find((e) => e.type === "turn.failed");
    assert.ok(failed?.type === "turn.failed", JSON.stringify(result.events));
    assert.ok(failed.error.message.length > 0);
    assert.ok(result.error instanceof Error, "the SDK throws once codex exits 1");
    assert.match(result.error.message, /exited with code 1/);
    assert.equal(requestsFor("break [[http500]]").length, 1, "request_max_retries = 0: no retry");
  });

  test("hang: aborting the signal ends the stream and codex drops its connection", async () => {
    const thread = newCodex().startThread(threadOptions());
    const controller = new AbortController();
    const turn = runTurn(thread, "never ends [[hang]]", { signal: controller.signal });
    const deadline = Date.now() + 10_000;
    while (requestsFor("never ends").length === 0 && Date.now() < deadline) await sleep(25);
    assert.equal(requestsFor("never ends")[0]?.answer, "hang");
    const abortedAt = Date.now();
    controller.abort();
    const result = await turn;
    const afterAbort = Date.now() - abortedAt;
    assert.ok(afterAbort < 3_000, `stream ended ${afterAbort} ms after abort`);
    assert.ok(result.error instanceof Error && result.error.name === "AbortError", String(result.error));
    assert.ok(!result.events.some((e) => e.type === "turn.completed"));
    while (fake.activeConnections() > 0 && Date.now() < abortedAt + 5_000) await sleep(25);
    assert.equal(fake.activeConnections(), 0, "the killed codex closed its socket");
  });

  test("resume: a resumed thread sends the earlier history", async () => {
    const home = tempDir("codex-home-");
    const options = threadOptions();
    const first = newCodex(home).startThread(options);
    const one = await runTurn(first, "first turn [[say:alpha-reply]]");
    assertCompleted(one);
    assert.ok(first.id);

    const resumed = newCodex(home).resumeThread(first.id, options);
    const two = await runTurn(resumed, "second turn [[say:beta-reply]]");
    assertCompleted(two);
    assert.equal(finalText(two), "beta-reply");
    const started = two.events[0];
    assert.ok(started?.type === "thread.started" && started.thread_id === first.id, "same thread id");

    const [req] = requestsFor("second turn");
    const input = JSON.stringify(bodyOf<{ input: unknown }>(req).input);
    assert.ok(input.includes("first turn [[say:alpha-reply]]"), "earlier prompt in history");
    assert.ok(input.includes("alpha-reply"), "earlier answer in history");
    // Usage in turn.completed is cumulative per thread: the second turn reports both requests.
    const usage = (r: TurnResult) =>
      r.events.flatMap((e) => (e.type === "turn.completed" ? [e.usage] : []))[0];
    assert.equal(usage(one)?.input_tokens, 100);
    assert.equal(usage(two)?.input_tokens, 200);
  });

  test("codex stayed on 127.0.0.1 and only called /v1/responses", () => {
    assert.deepEqual(fake.outsideAttempts, []);
    const paths = new Set(fake.requests.map((r) => `${r.method} ${r.path}`));
    assert.deepEqual([...paths], ["POST /v1/responses"]);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
