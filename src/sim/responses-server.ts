/**
 * A fake OpenAI Responses API on 127.0.0.1 that the real codex CLI (driven by the real @openai/codex-sdk) can
 * finish turns against. The scenario comes from the request's content, never from a call counter: a marker in
 * the latest user prompt picks it, and the tool outputs after that prompt tell which step of it is due.
 *
 * Markers: `[[say:TEXT]]` (default "done"), `[[exec:CMD]]`, `[[patch:PATH:CONTENT]]`, `[[reason]]`, `[[big:N]]`,
 * `[[json]]`, `[[http500]]`, `[[http401]]` (a provider refusing the key), `[[hang]]`, and `[[delay:MS]]` (wait MS before answering; combines with the others).
 * `[[exec:CMD]]` and `[[patch:PATH:CONTENT]]` together run the command, then add the file, then answer.
 */
import { randomUUID } from "node:crypto";
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

/** One HTTP request the fake received; `prompt` comes from `body.input`. */
export interface RecordedRequest extends RecordedRequestBase {
  /** What the fake answered: `say`, `reason`, `json`, `exec:call`, `exec:final`, `big:*`, `patch:*`,
   * `exec+patch:final`, `http500`, `hang`, `other` (not a model call), or `pending` while a `[[delay]]` runs. */
  answer: string;
}

/** The SDK's `config` object shape (not exported by @openai/codex-sdk). */
export type CodexConfigValue = string | number | boolean | CodexConfigValue[] | CodexConfigObject;
export type CodexConfigObject = { [key: string]: CodexConfigValue };

export interface FakeResponses {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Requests only to `POST /v1/responses`. */
  responsesRequests(): RecordedRequest[];
  /** Open TCP connections (a killed codex child drops its own: this returns to 0). */
  activeConnections(): number;
  /** Outside hosts codex tried to reach through the proxy variables set by `codexEnv` (should stay empty). */
  outsideAttempts: string[];
  /** SDK `config` overrides that point codex at this server and keep it off the network. */
  codexConfig(): CodexConfigObject;
  /** The same settings as a `$CODEX_HOME/config.toml`, the way a user configures codex by hand. */
  codexConfigToml(): string;
  /** A full environment for the SDK's `env` option (which replaces the child's environment). */
  codexEnv(codexHome: string): Record<string, string>;
  close(): Promise<void>;
}

/** The variable named by the provider's `env_key`. */
export const FAKE_API_KEY_ENV = "FAKE_OPENAI_API_KEY";
/** A slug from codex's bundled model catalog (`codex debug models --bundled`); unknown slugs add an error item. */
export const FAKE_MODEL = "gpt-5.5";

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
  call_id?: string;
  output?: unknown;
  name?: string;
}

interface Step {
  /** Label recorded in `RecordedRequest.answer`. */
  label: string;
  /** Output items to stream, in order. */
  items: Json[];
}

export async function startFakeResponses(): Promise<FakeResponses> {
  const started = Date.now();
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_${++counter}`;
  // Codex honours HTTP(S)_PROXY: codexEnv points them here, so any outside request shows up as a CONNECT.
  const http = await startFakeHttp(handle);

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
      at: Date.now() - started,
    };
    requests.push(rec);
    return rec;
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method !== "POST" || !path.endsWith("/responses") || !isObject(body)) {
      // Not a model call (e.g. a plain-http proxied request or /v1/models): log it and answer something harmless.
      if (/^https?:\/\//.test(req.url ?? "")) http.outsideAttempts.push(req.url ?? "");
      record(req, body, null, "other");
      if (path.endsWith("/models")) sendJson(res, 200, { object: "list", data: [], models: [] });
      else
        sendJson(res, 404, {
          error: { message: `fake: no route for ${req.method} ${path}`, type: "not_found" },
        });
      return;
    }
    const input = Array.isArray(body.input) ? (body.input as InputItem[]) : [];
    const { prompt, after } = latestPrompt(input);
    const rec = record(req, body, prompt, "pending");
    const delay = /\[\[delay:(\d+)\]\]/.exec(prompt ?? "");
    if (delay) http.later(Number(delay[1]), () => answer(rec, res, body, after));
    else answer(rec, res, body, after);
  }

  function answer(rec: RecordedRequest, res: ServerResponse, body: Json, after: InputItem[]): void {
    const text = rec.prompt ?? "";

    if (text.includes("[[http500]]")) {
      rec.answer = "http500";
      sendJson(res, 500, {
        error: { message: "fake: internal server error", type: "server_error", code: "internal_error" },
      });
      return;
    }
    if (text.includes("[[http401]]")) {
      rec.answer = "http401";
      sendJson(res, 401, {
        error: {
          message: "fake: incorrect API key provided",
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      });
      return;
    }
    if (text.includes("[[hang]]")) {
      rec.answer = "hang";
      startSse(res);
      const id = nextId("resp");
      writeEvent(res, "response.created", { response: { id, object: "response", status: "in_progress" } });
      return; // never finished: close() destroys the socket
    }

    const step = plan(text, after, body);
    rec.answer = step.label;
    streamResponse(res, step.items);
  }

  /** Decide what the model "says" for this prompt, given the tool outputs that follow it in the input. */
  function plan(text: string, after: InputItem[], body: Json): Step {
    const outputs = after.filter(
      (i) => i.type === "function_call_output" || i.type === "custom_tool_call_output",
    );
    const lastOutput = outputs.at(-1);
    const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];

    const exec = /\[\[exec:([\s\S]*?)\]\]/.exec(text);
    const big = /\[\[big:(\d+)\]\]/.exec(text);
    const patch = /\[\[patch:([^:\]]+):([\s\S]*?)\]\]/.exec(text);
    if (exec && patch) {
      const [ran, patched] = outputs;
      if (!ran) return { label: "exec:call", items: [shellCall(tools, exec[1] ?? "")] };
      if (!patched) return { label: "patch:call", items: [patchCall(tools, patch[1] ?? "", patch[2] ?? "")] };
      const final = `ran it. output:\n${toolSaid(ran.output).trimEnd()}\npatched. tool said:\n${toolSaid(patched.output)}`;
      return { label: "exec+patch:final", items: [message(final)] };
    }
    if (exec || big) {
      const kind = exec ? "exec" : "big";
      if (!lastOutput) {
        const cmd = exec ? (exec[1] ?? "") : `head -c ${big?.[1] ?? "0"} /dev/zero | tr '\\0' 'a'`;
        return { label: `${kind}:call`, items: [shellCall(tools, cmd)] };
      }
      const out = outputText(lastOutput.output);
      const final = exec
        ? `ran it. output:\n${toolSaid(lastOutput.output)}`
        : `big done: the tool output had ${out.length} characters`;
      return { label: `${kind}:final`, items: [message(final)] };
    }

    if (patch) {
      if (!lastOutput)
        return { label: "patch:call", items: [patchCall(tools, patch[1] ?? "", patch[2] ?? "")] };
      return {
        label: "patch:final",
        items: [message(`patched. tool said:\n${toolSaid(lastOutput.output)}`)],
      };
    }

    if (text.includes("[[json]]")) {
      const format = isObject(body.text) && isObject(body.text.format) ? body.text.format : null;
      if (format && format.type === "json_schema") {
        return { label: "json", items: [message(JSON.stringify(instanceOf(format.schema)))] };
      }
      return { label: "json:no-schema", items: [message("no json_schema in text.format")] };
    }

    const items: Json[] = [];
    if (text.includes("[[reason]]")) {
      items.push({
        type: "reasoning",
        id: nextId("rs"),
        summary: [{ type: "summary_text", text: "**Thinking** about the request" }],
        content: [],
        encrypted_content: null,
      });
    }
    const say = /\[\[say:([\s\S]*?)\]\]/.exec(text);
    items.push(message(say ? (say[1] ?? "") : "done"));
    return { label: items.length > 1 ? "reason" : "say", items };
  }

  function message(text: string): Json {
    return {
      type: "message",
      id: nextId("msg"),
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text, annotations: [] }],
    };
  }

  /** A call to codex's shell tool, shaped after whatever schema `body.tools` gives it. */
  function shellCall(tools: Json[], cmd: string): Json {
    const names = ["exec_command", "shell_command", "shell", "local_shell"];
    const tool = names.map((n) => tools.find((t) => t.name === n)).find((t) => t !== undefined);
    const name = typeof tool?.name === "string" ? tool.name : "exec_command";
    const props =
      isObject(tool?.parameters) && isObject(tool.parameters.properties) ? tool.parameters.properties : {};
    let args: Json;
    if ("cmd" in props) args = { cmd };
    else if (isObject(props.command) && props.command.type === "array")
      args = { command: ["bash", "-lc", cmd] };
    else if ("command" in props) args = { command: cmd };
    else args = { cmd };
    return {
      type: "function_call",
      id: nextId("fc"),
      call_id: `call_${randomUUID()}`,
      name,
      arguments: JSON.stringify(args),
      status: "completed",
    };
  }

  /** An apply_patch call adding one file: freeform (`custom`) tool when offered that way, else a function. */
  function patchCall(tools: Json[], path: string, content: string): Json {
    const lines = content.split("\n").map((l) => `+${l}`);
    const patch = ["*** Begin Patch", `*** Add File: ${path}`, ...lines, "*** End Patch"].join("\n");
    const tool = tools.find((t) => t.name === "apply_patch");
    if (tool && tool.type === "function") {
      return {
        type: "function_call",
        id: nextId("fc"),
        call_id: `call_${randomUUID()}`,
        name: "apply_patch",
        arguments: JSON.stringify({ input: patch }),
        status: "completed",
      };
    }
    return {
      type: "custom_tool_call",
      id: nextId("ctc"),
      call_id: `call_${randomUUID()}`,
      name: "apply_patch",
      input: patch,
      status: "completed",
    };
  }

  function streamResponse(res: ServerResponse, items: Json[]): void {
    const id = nextId("resp");
    startSse(res);
    writeEvent(res, "response.created", { response: { id, object: "response", status: "in_progress" } });
    items.forEach((item, index) => {
      writeEvent(res, "response.output_item.added", { output_index: index, item: inProgress(item) });
      if (item.type === "message") {
        const text = firstText(item);
        writeEvent(res, "response.output_text.delta", {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          delta: text,
        });
      } else if (item.type === "reasoning") {
        const summary = Array.isArray(item.summary) ? (item.summary[0] as Json | undefined) : undefined;
        writeEvent(res, "response.reasoning_summary_text.delta", {
          item_id: item.id,
          output_index: index,
          summary_index: 0,
          delta: typeof summary?.text === "string" ? summary.text : "",
        });
      }
      writeEvent(res, "response.output_item.done", { output_index: index, item });
    });
    writeEvent(res, "response.completed", {
      response: {
        id,
        object: "response",
        status: "completed",
        output: items,
        usage: {
          input_tokens: 100,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 10,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 110,
        },
      },
    });
    res.end();
  }

  const origin = http.origin;
  const url = `${origin}/v1`;

  const codexConfig = (): CodexConfigObject => ({
    model: FAKE_MODEL,
    model_provider: "fake",
    model_providers: {
      fake: {
        name: "fake",
        base_url: url,
        wire_api: "responses",
        env_key: FAKE_API_KEY_ENV,
        supports_websockets: false,
        request_max_retries: 0,
        stream_max_retries: 0,
      },
    },
    analytics: { enabled: false },
    features: { plugins: false },
  });

  return {
    url,
    requests,
    outsideAttempts: http.outsideAttempts,
    activeConnections: http.activeConnections,
    responsesRequests: () =>
      requests.filter((r) => r.method === "POST" && r.path.split("?")[0]?.endsWith("/responses")),
    codexConfig,
    codexConfigToml: () => toToml(codexConfig()),
    codexEnv: (codexHome: string) => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: codexHome,
        CODEX_HOME: codexHome,
        [FAKE_API_KEY_ENV]: "sk-fake-key",
        HTTP_PROXY: origin,
        HTTPS_PROXY: origin,
        ALL_PROXY: origin,
        NO_PROXY: "127.0.0.1,localhost",
        http_proxy: origin,
        https_proxy: origin,
        all_proxy: origin,
        no_proxy: "127.0.0.1,localhost",
      };
      if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
      return env;
    },
    close: http.close,
  };
}

/** The latest real user prompt in `input`, and the items after it (tool calls and their outputs). */
function latestPrompt(input: InputItem[]): { prompt: string | null; after: InputItem[] } {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item?.role !== "user" || (item.type !== undefined && item.type !== "message")) continue;
    const texts = contentTexts(item.content).filter((t) => !isInjected(t));
    if (texts.length > 0) return { prompt: texts.join("\n"), after: input.slice(i + 1) };
  }
  return { prompt: null, after: [] };
}

/** Tags of the user-role messages codex writes itself (environment, AGENTS.md, aborted turns, ...). */
const INJECTED_TAGS = [
  "environment_context",
  "user_instructions",
  "user_shell_command",
  "turn_aborted",
  "subagent_notification",
  "skills_instructions",
  "permissions instructions",
  "collaboration_mode",
];

/** Codex's own context messages rather than the user's prompt. */
function isInjected(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("# AGENTS.md instructions") || INJECTED_TAGS.some((tag) => t.startsWith(`<${tag}>`));
}

function contentTexts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((c) => (isObject(c) && typeof c.text === "string" ? [c.text] : []));
}

/** What a tool printed, without the header codex puts above it (`Wall time: ...`, then `Output:`). */
function toolSaid(output: unknown): string {
  const text = outputText(output);
  const at = text.indexOf("\nOutput:\n");
  return at < 0 ? text : text.slice(at + "\nOutput:\n".length);
}

function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (isObject(output) && typeof output.content === "string") return output.content;
  return contentTexts(output).join("\n") || JSON.stringify(output);
}

function firstText(item: Json): string {
  return contentTexts(item.content)[0] ?? "";
}

function inProgress(item: Json): Json {
  if (item.type === "message") return { ...item, status: "in_progress", content: [] };
  if (item.type === "reasoning") return { ...item, summary: [] };
  if (item.type === "function_call") return { ...item, status: "in_progress", arguments: "" };
  if (item.type === "custom_tool_call") return { ...item, status: "in_progress", input: "" };
  return item;
}

/** TOML for a config of scalars and nested tables (all codexConfig holds). */
function toToml(config: CodexConfigObject, table = ""): string {
  const scalars: string[] = [];
  const tables: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === "object" && !Array.isArray(value)) {
      const name = table ? `${table}.${key}` : key;
      tables.push(`[${name}]\n${toToml(value, name)}`);
    } else {
      scalars.push(`${key} = ${JSON.stringify(value)}`);
    }
  }
  return [scalars.join("\n"), ...tables].filter(Boolean).join("\n\n");
}
