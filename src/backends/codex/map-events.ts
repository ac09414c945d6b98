/** Codex SDK events → our event vocabulary. One mapper per turn; it keeps what the turn's end needs. */
import type { Usage as CodexUsage, ThreadEvent, ThreadItem } from "@openai/codex-sdk";
import type { Usage } from "../../core/run.js";
import type { AgentEvent } from "../../events/types.js";
import { classifyError } from "./provider-errors.js";

const USAGE_FIELDS = [
  "input_tokens",
  "cached_input_tokens",
  "cache_write_input_tokens",
  "output_tokens",
  "reasoning_output_tokens",
] as const;

export interface TurnContext {
  /** Parse the final message as JSON (an output schema was given). */
  structured: boolean;
  /** The thread's cumulative usage before this turn, when known (codex reports usage per thread). */
  usageBefore?: CodexUsage;
  onThreadStarted(threadId: string): void;
  /** The thread's cumulative usage after this turn, to subtract on the next one. */
  onUsage(cumulative: CodexUsage): void;
  /** The environment codex runs with (to say which CODEX_HOME a login is missing from). */
  env?: NodeJS.ProcessEnv;
}

export class CodexEventMapper {
  private finalResponse = "";
  /** An error no retry of codex's can fix was seen: the turn should be stopped now, not after its retries. */
  hopeless = false;

  constructor(private readonly context: TurnContext) {}

  map(event: ThreadEvent): AgentEvent[] {
    switch (event.type) {
      case "thread.started":
        this.context.onThreadStarted(event.thread_id);
        return [];
      case "turn.started":
        return [];
      case "item.started":
        return this.itemStarted(event.item);
      case "item.updated":
        return this.itemUpdated(event.item);
      case "item.completed":
        return this.itemCompleted(event.item);
      case "turn.completed":
        return this.turnCompleted(event.usage);
      case "turn.failed":
        return [{ type: "run_failed", data: { message: this.failure(event.error.message) } }];
      case "error":
        return this.error(event.message);
      default:
        return [];
    }
  }

  private error(message: string): AgentEvent[] {
    const error = classifyError(message, this.context.env ?? process.env);
    if (error.kind === "retrying") {
      return [{ type: "status_changed", data: { status: "running", warning: message } }];
    }
    if (error.kind === "auth") this.hopeless = true;
    return [{ type: "run_failed", data: { message: error.message } }];
  }

  private failure(message: string): string {
    return classifyError(message, this.context.env ?? process.env).message;
  }

  private itemStarted(item: ThreadItem): AgentEvent[] {
    switch (item.type) {
      case "command_execution":
        return [{ type: "command_started", data: { command: item.command, item_id: item.id } }];
      case "mcp_tool_call":
        return [
          {
            type: "tool_started",
            data: { tool: `${item.server}.${item.tool}`, input: item.arguments, item_id: item.id },
          },
        ];
      case "web_search":
        return [
          {
            type: "tool_started",
            data: { tool: "web_search", input: { query: item.query }, item_id: item.id },
          },
        ];
      case "todo_list":
        return [{ type: "todo_updated", data: { items: item.items, item_id: item.id } }];
      default:
        return [];
    }
  }

  private itemUpdated(item: ThreadItem): AgentEvent[] {
    switch (item.type) {
      case "command_execution":
        return [
          {
            type: "command_updated",
            data: { command: item.command, item_id: item.id, output_so_far: item.aggregated_output },
          },
        ];
      case "todo_list":
        return [{ type: "todo_updated", data: { items: item.items, item_id: item.id } }];
      default:
        return [];
    }
  }

  private itemCompleted(item: ThreadItem): AgentEvent[] {
    switch (item.type) {
      case "agent_message":
        this.finalResponse = item.text;
        return [{ type: "agent_message", data: { text: item.text, item_id: item.id } }];
      case "reasoning":
        return [{ type: "reasoning", data: { text: item.text, item_id: item.id } }];
      case "command_execution":
        return [
          {
            type: "command_finished",
            data: {
              command: item.command,
              exit_code: item.exit_code ?? null,
              stdout: item.aggregated_output,
              status: item.status,
              item_id: item.id,
            },
          },
        ];
      case "file_change":
        return [
          { type: "file_changed", data: { changes: item.changes, status: item.status, item_id: item.id } },
        ];
      case "mcp_tool_call":
        return [
          {
            type: "tool_finished",
            data: {
              tool: `${item.server}.${item.tool}`,
              output: item.result ?? null,
              is_error: item.status === "failed",
              ...(item.error ? { error: item.error.message } : {}),
              item_id: item.id,
            },
          },
        ];
      case "web_search":
        return [
          {
            type: "tool_finished",
            data: { tool: "web_search", output: { query: item.query }, item_id: item.id },
          },
        ];
      case "todo_list":
        return [{ type: "todo_updated", data: { items: item.items, item_id: item.id } }];
      case "error":
        // A non-fatal error: the turn goes on. If it is fatal, turn.failed follows and fails the run.
        return [
          { type: "status_changed", data: { status: "running", warning: item.message, item_id: item.id } },
        ];
      default:
        return [];
    }
  }

  private turnCompleted(cumulative: CodexUsage): AgentEvent[] {
    const before = this.context.usageBefore;
    const usage: Usage = {};
    for (const key of USAGE_FIELDS) usage[key] = Math.max(0, (cumulative[key] ?? 0) - (before?.[key] ?? 0));
    this.context.onUsage(cumulative);
    const data: { final_response: string; structured_output?: unknown; usage: Usage } = {
      final_response: this.finalResponse,
      usage,
    };
    if (this.context.structured) {
      try {
        data.structured_output = JSON.parse(this.finalResponse);
      } catch {
        return [
          { type: "usage_updated", data: { ...usage, thread_total: cumulative } },
          {
            type: "run_failed",
            data: {
              code: "invalid_output",
              message: "the final message is not the JSON the output_schema asked for",
            },
          },
        ];
      }
    }
    return [
      {
        type: "usage_updated",
        data: { ...usage, thread_total: { ...cumulative }, per_turn: before !== undefined },
      },
      { type: "run_completed", data },
    ];
  }
}
