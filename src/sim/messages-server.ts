/**
 * A fake Anthropic Messages API on 127.0.0.1 that the real Claude Code CLI (driven by the real
 * @anthropic-ai/claude-agent-sdk) can finish turns against. The scenario comes from the request's content, never
 * from a call counter: a marker in the latest real user prompt picks it, and whether a tool_result for the fake's
 * own tool_use follows that prompt tells which step of it is due.
 *
 * Markers: `[[say:TEXT]]` (default "done"), `[[bash:COMMAND]]`, `[[touch:FILE]]`, `[[write:PATH:TEXT]]` (the
 * Write tool; PATH absolute, as Write wants), `[[ask:QUESTION]]`, `[[json]]`, `[[http500]]`, `[[hang]]`,
 * `[[nostream]]` (streamed requests get an empty event stream, so the CLI falls back to `stream: false`,
 * answered with a plain JSON message), and `[[delay:MS]]` (wait MS before answering; combines with the others).
 * Model calls without tools (e.g. the session title) get a short text, JSON when the request's
 * `output_config.format` asks for it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  instanceOf,
  isObject,
  type Json,
  type RecordedRequestBase,
  sendJson,
  startFakeHttp,
  startSse,
  writeEvent,
} from "./fake-http.js";

/** One HTTP request the fake received; `prompt` comes from `body.messages`. */
export interface RecordedRequest extends RecordedRequestBase {
  /** What the fake answered: `say`, `bash:call`, `bash:final`, `touch:call`, `touch:allowed`, `touch:denied`,
   * `write:call`, `write:allowed`, `write:denied`, `ask:call`, `ask:final`, `ask:no-tool`, `json:call`,
   * `json:final`, `json:no-tool`, `http500`, `hang`, `nostream`, `aux` (a model call without tools, e.g. a
   * title), `count_tokens`, `other` (no route), or `pending` while a `[[delay]]` runs. */
  answer: string;
  /** Whether the answer was streamed (SSE) or a plain JSON message (the CLI's `stream: false` fallback). */
  streamed: boolean;
}

export interface FakeMessages {
  /** Base URL for `ANTHROPIC_BASE_URL`, without `/v1`: `http://127.0.0.1:PORT`. */
  url: string;
  requests: RecordedRequest[];
  /** Requests only to `POST /v1/messages` (model calls; not count_tokens). */
  messagesRequests(): RecordedRequest[];
  /** Open TCP connections (a killed claude child drops its own: this returns to 0). */
  activeConnections(): number;
  /** Outside hosts the CLI tried to reach through the proxy variables set by `claudeEnv` (should stay empty). */
  outsideAttempts: string[];
  /** A full environment for the SDK's `env` option (which replaces the child's environment). */
  claudeEnv(home: string): Record<string, string>;
  close(): Promise<void>;
}

/** The API key `claudeEnv` sets; the CLI sends it as `x-api-key`. */
export const FAKE_API_KEY = "dummy";

/** The schema the tests pass as `outputFormat` and the `[[json]]` scenario fills in. */
export const ANSWER_SCHEMA = {
  type: "object",
  properties: { answer: { type: "string" } },
  required: ["answer"],
  additionalProperties: false,
} as const;

/** A content block of a Messages API message (request or response). */
interface Block {
  type?: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

interface Message {
  role?: string;
  content?: string | Block[];
}

interface Tool {
  name?: string;
  input_schema?: unknown;
}

interface Step {
  /** Label recorded in `RecordedRequest.answer`. */
  label: string;
  /** Content blocks of the assistant reply: text or tool_use. */
  blocks: Block[];
}

export async function startFakeMessages(): Promise<FakeMessages> {
  const started = Date.now();
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_fake${String(++counter).padStart(6, "0")}`;
  // claudeEnv points the proxy variables here, so any outside request shows up as a CONNECT.
  const http = await startFakeHttp(handle, { "request-id": "req_fake" });

  function record(
    req: IncomingMessage,
    body: unknown,
    prompt: string | null,
    answer: string,
  ): RecordedRequest {
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: { ...req.headers },
      body,
      prompt,
      answer,
      streamed: false,
      at: Date.now() - started,
    };
    requests.push(rec);
    return rec;
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "POST" && path.endsWith("/v1/messages/count_tokens")) {
      record(req, body, null, "count_tokens");
      sendJson(res, 200, { input_tokens: 100 });
      return;
    }
    if (req.method !== "POST" || !path.endsWith("/v1/messages") || !isObject(body)) {
      // Not a model call (e.g. a plain-http proxied request): log it and answer an Anthropic-style 404.
      if (/^https?:\/\//.test(req.url ?? "")) http.outsideAttempts.push(req.url ?? "");
      record(req, body, null, "other");
      sendJson(res, 404, {
        type: "error",
        error: { type: "not_found_error", message: `fake: no route for ${req.method} ${path}` },
      });
      return;
    }
    const messages = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
    const { prompt, after } = latestPrompt(messages);
    const rec = record(req, body, prompt, "pending");
    const delay = /\[\[delay:(\d+)\]\]/.exec(prompt ?? "");
    if (delay) http.later(Number(delay[1]), () => answer(rec, res, body, after));
    else answer(rec, res, body, after);
  }

  function answer(rec: RecordedRequest, res: ServerResponse, body: Json, after: Message[]): void {
    const text = rec.prompt ?? "";
    const model = typeof body.model === "string" ? body.model : "claude-fake";
    const tools = Array.isArray(body.tools) ? (body.tools as Tool[]) : [];

    if (tools.length > 0 && text.includes("[[http500]]")) {
      rec.answer = "http500";
      sendJson(res, 500, {
        type: "error",
        error: { type: "api_error", message: "fake: internal server error" },
      });
      return;
    }
    if (tools.length > 0 && text.includes("[[hang]]") && body.stream === true) {
      rec.answer = "hang";
      rec.streamed = true;
      startSse(res);
      writeEvent(res, "message_start", { message: messageShell(nextId("msg"), model) });
      return; // never finished: close() destroys the socket
    }

    if (tools.length > 0 && text.includes("[[nostream]]") && body.stream === true) {
      // An event stream without message_start: the CLI gives up on streaming and asks again with `stream: false`.
      rec.answer = "nostream";
      rec.streamed = true;
      startSse(res);
      res.end();
      return;
    }

    const step: Step =
      tools.length > 0 ? plan(text, after, tools) : { label: "aux", blocks: [auxText(body)] };
    rec.answer = step.label;
    rec.streamed = body.stream === true;
    if (rec.streamed) streamMessage(res, model, step.blocks);
    else sendJson(res, 200, fullMessage(nextId("msg"), model, step.blocks));
  }

  /** Decide what the model "says" for this prompt, given the messages that follow it. */
  function plan(text: string, after: Message[], tools: Tool[]): Step {
    const result = ourToolResult(after);

    const bash = /\[\[bash:([\s\S]*?)\]\]/.exec(text);
    if (bash) {
      if (!result) return { label: "bash:call", blocks: [toolUse("Bash", bashInput(bash[1] ?? ""))] };
      return { label: "bash:final", blocks: [textBlock(`ran it. output:\n${resultText(result)}`)] };
    }

    const touch = /\[\[touch:([^\]]+)\]\]/.exec(text);
    if (touch) {
      if (!result) return { label: "touch:call", blocks: [toolUse("Bash", bashInput(`touch ${touch[1]}`))] };
      const denied = result.is_error === true;
      const verdict = denied ? "touch was denied" : "touch succeeded";
      return {
        label: denied ? "touch:denied" : "touch:allowed",
        blocks: [textBlock(`${verdict}. tool said:\n${resultText(result)}`)],
      };
    }

    const write = /\[\[write:([^:\]]+):([^\]]*)\]\]/.exec(text);
    if (write) {
      if (!result) {
        const input = { file_path: write[1] ?? "", content: write[2] ?? "" };
        return { label: "write:call", blocks: [toolUse("Write", input)] };
      }
      const denied = result.is_error === true;
      return {
        label: denied ? "write:denied" : "write:allowed",
        blocks: [
          textBlock(`write ${denied ? "was denied" : "succeeded"}. tool said:\n${resultText(result)}`),
        ],
      };
    }

    const ask = /\[\[ask:([^\]]+)\]\]/.exec(text);
    if (ask) {
      if (!result) {
        const tool =
          tools.find((t) => t.name === "AskUserQuestion") ?? tools.find((t) => /ask/i.test(t.name ?? ""));
        if (!tool?.name) return { label: "ask:no-tool", blocks: [textBlock("no ask-the-user tool offered")] };
        return { label: "ask:call", blocks: [toolUse(tool.name, askInput(ask[1] ?? ""))] };
      }
      const prefix = result.is_error === true ? "the question failed" : "the user answered";
      return { label: "ask:final", blocks: [textBlock(`${prefix}:\n${resultText(result)}`)] };
    }

    if (text.includes("[[json]]")) {
      if (!result) {
        const tool = tools.find((t) => t.name === "StructuredOutput");
        if (!tool?.name)
          return { label: "json:no-tool", blocks: [textBlock("no StructuredOutput tool offered")] };
        return { label: "json:call", blocks: [toolUse(tool.name, instanceOf(tool.input_schema))] };
      }
      return { label: "json:final", blocks: [textBlock("structured output sent")] };
    }

    const say = /\[\[say:([\s\S]*?)\]\]/.exec(text);
    return { label: "say", blocks: [textBlock(say ? (say[1] ?? "") : "done")] };
  }

  function toolUse(name: string, input: unknown): Block {
    return { type: "tool_use", id: nextId("toolu"), name, input };
  }

  function streamMessage(res: ServerResponse, model: string, blocks: Block[]): void {
    startSse(res);
    const id = nextId("msg");
    writeEvent(res, "message_start", { message: messageShell(id, model) });
    blocks.forEach((block, index) => {
      if (block.type === "tool_use") {
        writeEvent(res, "content_block_start", { index, content_block: { ...block, input: {} } });
        // Split the JSON so the CLI has to join input_json_delta chunks, as with the real API.
        const json = JSON.stringify(block.input ?? {});
        const half = Math.ceil(json.length / 2);
        for (const partial of [json.slice(0, half), json.slice(half)]) {
          writeEvent(res, "content_block_delta", {
            index,
            delta: { type: "input_json_delta", partial_json: partial },
          });
        }
      } else {
        writeEvent(res, "content_block_start", { index, content_block: { type: "text", text: "" } });
        writeEvent(res, "content_block_delta", {
          index,
          delta: { type: "text_delta", text: block.text ?? "" },
        });
      }
      writeEvent(res, "content_block_stop", { index });
    });
    writeEvent(res, "message_delta", {
      delta: { stop_reason: stopReason(blocks), stop_sequence: null },
      usage: { output_tokens: 10 },
    });
    writeEvent(res, "message_stop", {});
    res.end();
  }

  const url = http.origin;

  return {
    url,
    requests,
    outsideAttempts: http.outsideAttempts,
    activeConnections: http.activeConnections,
    messagesRequests: () =>
      requests.filter((r) => r.method === "POST" && (r.path.split("?")[0] ?? "").endsWith("/v1/messages")),
    claudeEnv: (home: string) => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: home,
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_API_KEY: FAKE_API_KEY,
        // Without it the CLI dials outside hosts and sends extra requests (e.g. a session title).
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_TELEMETRY: "1",
        // Else a 500 is retried 10 times with backoff (minutes).
        CLAUDE_CODE_MAX_RETRIES: "0",
        HTTP_PROXY: url,
        HTTPS_PROXY: url,
        NO_PROXY: "127.0.0.1,localhost",
        http_proxy: url,
        https_proxy: url,
        no_proxy: "127.0.0.1,localhost",
      };
      if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
      return env;
    },
    close: http.close,
  };
}

/**
 * The latest real user prompt, and the messages after it (the assistant's tool calls and their results). Text
 * blocks the CLI injects (`<system-reminder>`) and tool_result blocks are not prompts; `role: "system"` entries
 * are skipped.
 */
function latestPrompt(messages: Message[]): { prompt: string | null; after: Message[] } {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== "user") continue;
    const texts = userTexts(message.content).filter((t) => !isInjected(t));
    const prompt = texts.at(-1);
    if (prompt !== undefined) return { prompt, after: messages.slice(i + 1) };
  }
  return { prompt: null, after: [] };
}

/** Text the CLI writes into user messages itself: reminders, and the nudge to call StructuredOutput. */
function isInjected(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("<system-reminder>") || t.startsWith("[structured-output-enforce]");
}

function userTexts(content: Message["content"]): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((b) => (b.type === "text" && typeof b.text === "string" ? [b.text] : []));
}

/** The tool_result answering the fake's own latest tool_use after the prompt, if one came back. */
function ourToolResult(after: Message[]): Block | undefined {
  const ours = new Set(
    after.flatMap((m) =>
      m.role === "assistant" && Array.isArray(m.content)
        ? m.content.flatMap((b) => (b.type === "tool_use" && b.id?.startsWith("toolu_fake") ? [b.id] : []))
        : [],
    ),
  );
  const results = after.flatMap((m) =>
    m.role === "user" && Array.isArray(m.content)
      ? m.content.filter(
          (b) => b.type === "tool_result" && b.tool_use_id !== undefined && ours.has(b.tool_use_id),
        )
      : [],
  );
  return results.at(-1);
}

/** A tool_result's text without the `<system-reminder>` the CLI appends. */
function resultText(result: Block): string {
  const content = result.content;
  const texts =
    typeof content === "string"
      ? [content]
      : Array.isArray(content)
        ? content.flatMap((b: Block) => (b.type === "text" && typeof b.text === "string" ? [b.text] : []))
        : [];
  return texts
    .join("\n")
    .replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, "")
    .trim();
}

/**
 * The answer to a model call without tools, e.g. the session title the CLI asks for when nonessential traffic is
 * on: that one wants JSON matching `output_config.format`.
 */
function auxText(body: Json): Block {
  const config = isObject(body.output_config) ? body.output_config : {};
  const format = isObject(config.format) ? config.format : null;
  if (format?.type === "json_schema")
    return textBlock(JSON.stringify(instanceOf(format.schema, "Fake session")));
  return textBlock("Fake session");
}

function bashInput(command: string): Json {
  return { command, description: "Run a command for the fake" };
}

/** A valid AskUserQuestion input: one single-choice question with two options (the tool requires 2 to 4). */
function askInput(question: string): Json {
  return {
    questions: [
      {
        question,
        header: "Question",
        options: [
          { label: "Yes", description: "Agree" },
          { label: "No", description: "Disagree" },
        ],
        multiSelect: false,
      },
    ],
  };
}

function textBlock(text: string): Block {
  return { type: "text", text };
}

function stopReason(blocks: Block[]): string {
  return blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
}

function usage(): Json {
  return {
    input_tokens: 100,
    output_tokens: 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

/** The message in `message_start`: no content yet. */
function messageShell(id: string, model: string): Json {
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...usage(), output_tokens: 1 },
  };
}

/** The whole message, for the CLI's non-streaming fallback. */
function fullMessage(id: string, model: string, blocks: Block[]): Json {
  return {
    ...messageShell(id, model),
    content: blocks,
    stop_reason: stopReason(blocks),
    usage: usage(),
  };
}
