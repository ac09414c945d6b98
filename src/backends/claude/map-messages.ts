/** Claude Code SDK messages → our event vocabulary. One mapper per run: it pairs tool results with their calls. */
import type { SDKMessage } from "@anthropic-ai/claude-agent-sdk";
import type { Usage } from "../../core/run.js";
import type { AgentEvent } from "../../events/types.js";
import { QUESTION_TOOL } from "./permission-bridge.js";

const FILE_TOOLS = new Set(["Edit", "Write", "MultiEdit", "NotebookEdit"]);
/** Tools whose calls the bridge already shows as questions, and the SDK's own structured-output tool. */
const QUIET_TOOLS = new Set([QUESTION_TOOL, "StructuredOutput"]);

interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

type Block = { type: string; [key: string]: unknown };

export interface MapperContext {
  /** An output schema was given: a result without structured output is a failure. */
  structured: boolean;
  onSession(sessionId: string): void;
}

export class ClaudeMessageMapper {
  private readonly calls = new Map<string, ToolCall>();
  private lastText = "";

  constructor(private readonly context: MapperContext) {}

  map(message: SDKMessage): AgentEvent[] {
    switch (message.type) {
      case "system":
        return this.system(message as Extract<SDKMessage, { type: "system" }>);
      case "assistant":
        return this.assistant(blocks(message.message.content));
      case "user":
        return this.user(
          blocks(message.message.content),
          (message as { tool_use_result?: unknown }).tool_use_result,
        );
      case "rate_limit_event":
        return message.rate_limit_info.status === "allowed"
          ? []
          : [
              {
                type: "status_changed",
                data: { status: "running", reason: "rate_limit", rate_limit: message.rate_limit_info },
              },
            ];
      case "result":
        return this.result(message);
      default:
        return [];
    }
  }

  private system(message: Extract<SDKMessage, { type: "system" }>): AgentEvent[] {
    if (message.subtype === "init") {
      this.context.onSession(message.session_id);
      return [
        {
          type: "status_changed",
          data: {
            status: "running",
            reason: "session_started",
            model: message.model,
            permission_mode: message.permissionMode,
          },
        },
      ];
    }
    if (message.subtype === "api_retry") {
      const retry = message as Extract<SDKMessage, { subtype: "api_retry" }>;
      return [
        {
          type: "status_changed",
          data: {
            status: "running",
            reason: "api_retry",
            attempt: retry.attempt,
            max_retries: retry.max_retries,
            retry_delay_ms: retry.retry_delay_ms,
            error_status: retry.error_status,
          },
        },
      ];
    }
    return [];
  }

  private assistant(content: Block[]): AgentEvent[] {
    const events: AgentEvent[] = [];
    for (const block of content) {
      if (block.type === "text" && typeof block.text === "string") {
        this.lastText = block.text;
        events.push({ type: "agent_message", data: { text: block.text } });
      } else if (block.type === "thinking" && typeof block.thinking === "string" && block.thinking !== "") {
        events.push({ type: "reasoning", data: { text: block.thinking } });
      } else if (block.type === "tool_use") {
        const call: ToolCall = {
          name: String(block.name),
          input: (block.input ?? {}) as Record<string, unknown>,
        };
        this.calls.set(String(block.id), call);
        events.push(...toolStarted(call, String(block.id)));
      }
    }
    return events;
  }

  private user(content: Block[], structured: unknown): AgentEvent[] {
    const events: AgentEvent[] = [];
    for (const block of content) {
      if (block.type !== "tool_result") continue;
      const id = String(block.tool_use_id);
      const call = this.calls.get(id);
      if (!call) continue;
      this.calls.delete(id);
      events.push(...toolFinished(call, id, block, structured));
    }
    return events;
  }

  private result(message: Extract<SDKMessage, { type: "result" }>): AgentEvent[] {
    const usage: Usage = {
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      cached_input_tokens: message.usage.cache_read_input_tokens ?? 0,
      cache_write_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
      cost_usd: message.total_cost_usd,
      turns: message.num_turns,
      duration_ms: message.duration_ms,
    };
    const usageEvent: AgentEvent = { type: "usage_updated", data: { ...usage } };
    if (message.subtype !== "success") {
      const detail = message.errors.length > 0 ? message.errors.join("; ") : message.subtype;
      return [
        usageEvent,
        { type: "run_failed", data: { code: message.subtype, message: `Claude Code stopped: ${detail}` } },
      ];
    }
    if (message.is_error) {
      return [
        usageEvent,
        {
          type: "run_failed",
          data: { message: message.result || this.lastText || "Claude Code reported an error" },
        },
      ];
    }
    return [
      usageEvent,
      {
        type: "run_completed",
        data: {
          final_response: message.result,
          ...(message.structured_output !== undefined
            ? { structured_output: message.structured_output }
            : {}),
          usage,
        },
      },
    ];
  }
}

const blocks = (content: unknown): Block[] =>
  Array.isArray(content)
    ? (content as Block[])
    : typeof content === "string"
      ? [{ type: "text", text: content }]
      : [];

function toolStarted(call: ToolCall, id: string): AgentEvent[] {
  if (QUIET_TOOLS.has(call.name)) return [];
  if (call.name === "Bash") {
    return [
      { type: "command_started", data: { command: String(call.input.command ?? ""), tool_use_id: id } },
    ];
  }
  if (call.name === "TodoWrite") {
    return [
      { type: "todo_updated", data: { items: Array.isArray(call.input.todos) ? call.input.todos : [] } },
    ];
  }
  return [{ type: "tool_started", data: { tool: call.name, input: call.input, tool_use_id: id } }];
}

/** The text of a tool_result block (a string, or text blocks). */
function resultText(block: Block): string {
  const content = block.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === "object" && (part as Block).type === "text"
          ? String((part as Block).text)
          : "",
      )
      .join("");
  }
  return "";
}

function toolFinished(call: ToolCall, id: string, block: Block, structured: unknown): AgentEvent[] {
  if (QUIET_TOOLS.has(call.name) || call.name === "TodoWrite") return [];
  const isError = block.is_error === true;
  const text = resultText(block);
  if (call.name === "Bash") {
    const output = (structured ?? {}) as { stdout?: unknown; stderr?: unknown };
    const exit = isError ? Number(/^Exit code (\d+)/.exec(text)?.[1] ?? 1) : 0;
    return [
      {
        type: "command_finished",
        data: {
          command: String(call.input.command ?? ""),
          exit_code: exit,
          stdout: typeof output.stdout === "string" ? output.stdout : text,
          stderr: typeof output.stderr === "string" ? output.stderr : "",
          ...(isError ? { is_error: true } : {}),
          tool_use_id: id,
        },
      },
    ];
  }
  const events: AgentEvent[] = [
    { type: "tool_finished", data: { tool: call.name, output: text, is_error: isError, tool_use_id: id } },
  ];
  if (FILE_TOOLS.has(call.name) && !isError) {
    const path = String(call.input.file_path ?? call.input.notebook_path ?? "");
    const kind =
      call.name === "Write" && (structured as { type?: string } | undefined)?.type === "create"
        ? "add"
        : "update";
    events.push({ type: "file_changed", data: { changes: [{ path, kind }], tool: call.name } });
  }
  return events;
}
