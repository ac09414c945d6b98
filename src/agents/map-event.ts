/**
 * A backend's events as A2A updates: agent text, commands and tools become `working` status messages (short),
 * file changes and the final answer become artifacts, requests for input pause the task, the end ends it.
 */
import type { Artifact, Part } from "@a2a-js/sdk";
import { TaskState } from "@a2a-js/sdk";
import type { AgentEvent, EventType } from "../events/types.js";
import { artifact, dataPart, textPart } from "./a2a-message.js";

/** A status to publish, with its message parts, or an artifact. */
export type Update =
  | { kind: "status"; state: TaskState; parts: Part[]; event: EventType }
  | { kind: "artifact"; artifact: Artifact };

/** Artifact names a caller can rely on. */
export const FINAL_ARTIFACT = "final_response";
export const FILE_CHANGES_ARTIFACT = "file_changes";

const MAX_MESSAGE_CHARS = 8_000;
const MAX_OUTPUT_CHARS = 800;
const MAX_INPUT_CHARS = 200;

export class EventMapper {
  private fileChanges = 0;
  private lastText = "";
  private usage?: Record<string, unknown>;

  map(event: AgentEvent): Update[] {
    const working = (text: string): Update[] => [
      { kind: "status", state: TaskState.TASK_STATE_WORKING, parts: [textPart(text)], event: event.type },
    ];
    switch (event.type) {
      case "agent_message":
        this.lastText = event.data.text;
        return working(clip(event.data.text, MAX_MESSAGE_CHARS));
      case "command_started":
        return working(`$ ${clip(event.data.command, MAX_INPUT_CHARS)}`);
      case "command_finished":
        return working(commandSummary(event.data));
      case "tool_started":
        return working(
          `${event.data.tool} started${event.data.input === undefined ? "" : `: ${brief(event.data.input)}`}`,
        );
      case "tool_finished":
        return working(`${event.data.tool} ${event.data.is_error ? "failed" : "finished"}`);
      case "todo_updated":
        return working(`todo list: ${event.data.items.length} item(s)`);
      case "status_changed":
        return typeof event.data.warning === "string" ? working(`warning: ${event.data.warning}`) : [];
      case "file_changed":
        return [
          {
            kind: "artifact",
            artifact: artifact(
              `${FILE_CHANGES_ARTIFACT}-${++this.fileChanges}`,
              FILE_CHANGES_ARTIFACT,
              [dataPart(event.data)],
              changesSummary(event.data.changes),
            ),
          },
        ];
      case "artifact_added":
        return [
          {
            kind: "artifact",
            artifact: artifact(
              event.data.artifact_id,
              event.data.name ?? event.data.artifact_id,
              event.data.parts.map(toPart),
            ),
          },
        ];
      case "usage_updated":
        this.usage = event.data;
        return [];
      case "input_required":
      case "auth_required":
        return [
          {
            kind: "status",
            state:
              event.type === "input_required"
                ? TaskState.TASK_STATE_INPUT_REQUIRED
                : TaskState.TASK_STATE_AUTH_REQUIRED,
            parts: [textPart(event.data.text ?? "The agent needs your input."), dataPart(event.data)],
            event: event.type,
          },
        ];
      case "run_completed":
        return this.completed(event.data);
      case "run_failed":
        return [
          {
            kind: "status",
            state: TaskState.TASK_STATE_FAILED,
            parts: [
              textPart(event.data.message),
              dataPart({ code: event.data.code ?? "backend_error", message: event.data.message }),
            ],
            event: "run_failed",
          },
        ];
      case "run_cancelled":
        return [
          {
            kind: "status",
            state: TaskState.TASK_STATE_CANCELED,
            parts: [textPart(event.data.reason)],
            event: "run_cancelled",
          },
        ];
      default:
        return [];
    }
  }

  /** The end of a turn whose backend stopped without a terminal event: its latest agent message is the answer. */
  completedWithoutResult(): Update[] {
    return this.completed({ final_response: this.lastText });
  }

  private completed(data: {
    final_response: string;
    structured_output?: unknown;
    usage?: unknown;
  }): Update[] {
    const parts = [textPart(data.final_response)];
    if (data.structured_output !== undefined) parts.push(dataPart(data.structured_output));
    const usage = data.usage ?? this.usage;
    return [
      {
        kind: "artifact",
        artifact: artifact(
          FINAL_ARTIFACT,
          FINAL_ARTIFACT,
          parts,
          "The agent's final answer",
          usage ? { usage } : undefined,
        ),
      },
      { kind: "status", state: TaskState.TASK_STATE_COMPLETED, parts: [], event: "run_completed" },
    ];
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

function brief(value: unknown): string {
  return clip(typeof value === "string" ? value : (JSON.stringify(value) ?? ""), MAX_INPUT_CHARS);
}

/** The command, its exit code and its output's head and tail. */
function commandSummary(data: {
  command: string;
  exit_code: number | null;
  stdout: string;
  stderr?: string;
}) {
  const output = [data.stdout, data.stderr ?? ""].filter((s) => s !== "").join("\n");
  const half = MAX_OUTPUT_CHARS / 2;
  const shown =
    output.length <= MAX_OUTPUT_CHARS
      ? output
      : `${output.slice(0, half)}\n… [${output.length - MAX_OUTPUT_CHARS} characters left out] …\n${output.slice(-half)}`;
  const head = `$ ${clip(data.command, MAX_INPUT_CHARS)}  (exit ${data.exit_code ?? "?"})`;
  return shown.trim() === "" ? head : `${head}\n${shown.trimEnd()}`;
}

function changesSummary(changes: unknown[]): string {
  const names = changes.map((change) => {
    const c = change as { path?: unknown; kind?: unknown };
    return typeof c?.path === "string" ? `${typeof c.kind === "string" ? `${c.kind} ` : ""}${c.path}` : "";
  });
  return names.filter(Boolean).join(", ") || `${changes.length} change(s)`;
}

/** A part of an `artifact_added` event (our `{type, ...}` spelling) as an A2A part. */
function toPart(part: unknown): Part {
  const p = part as { type?: unknown; text?: unknown; data?: unknown };
  if (p?.type === "text" && typeof p.text === "string") return textPart(p.text);
  if (p?.type === "data") return dataPart(p.data);
  return dataPart(part);
}
