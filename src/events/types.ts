/** The event vocabulary of CONTRACT.md. */

export const EVENT_TYPES = [
  "run_started",
  "status_changed",
  "agent_message",
  "reasoning",
  "command_started",
  "command_updated",
  "command_finished",
  "file_changed",
  "tool_started",
  "tool_finished",
  "todo_updated",
  "artifact_added",
  "usage_updated",
  "input_required",
  "auth_required",
  "run_completed",
  "run_failed",
  "run_cancelled",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const TERMINAL_EVENT_TYPES: readonly EventType[] = ["run_completed", "run_failed", "run_cancelled"];
export const isTerminalEvent = (type: EventType): boolean => TERMINAL_EVENT_TYPES.includes(type);

export type EventData = Record<string, unknown>;

/** One line of events.jsonl, as stored and as returned by poll_events. */
export interface RunEvent {
  seq: number;
  ts: string;
  run_id: string;
  session_id: string;
  backend: string;
  type: EventType;
  data: EventData;
}

/** Where a field that was too big went: CONTRACT.md `data.artifact_refs`. */
export interface ArtifactRef {
  field_path: string;
  total_bytes: number;
  mime_type: string;
  encoding: "utf-8";
  /** SHA-256 (hex) of the whole value, set once the artifact is written: what its pages must add up to. */
  sha256?: string;
}

/** What a backend yields: an event without the numbering the engine adds. */
export type AgentEvent =
  | { type: "status_changed"; data: { status: string; reason?: string; [k: string]: unknown } }
  | { type: "agent_message"; data: { text: string; [k: string]: unknown } }
  | { type: "reasoning"; data: { text: string; [k: string]: unknown } }
  | { type: "command_started"; data: { command: string; [k: string]: unknown } }
  | { type: "command_updated"; data: { command: string; [k: string]: unknown } }
  | {
      type: "command_finished";
      data: {
        command: string;
        exit_code: number | null;
        stdout: string;
        stderr?: string;
        [k: string]: unknown;
      };
    }
  | { type: "file_changed"; data: { changes: unknown[]; [k: string]: unknown } }
  | { type: "tool_started"; data: { tool: string; input?: unknown; [k: string]: unknown } }
  | {
      type: "tool_finished";
      data: { tool: string; output?: unknown; is_error?: boolean; [k: string]: unknown };
    }
  | { type: "todo_updated"; data: { items: unknown[]; [k: string]: unknown } }
  | {
      type: "artifact_added";
      data: { artifact_id: string; name?: string; parts: unknown[]; [k: string]: unknown };
    }
  | { type: "usage_updated"; data: { [k: string]: unknown } }
  | { type: "input_required"; data: { kind: string; text?: string; [k: string]: unknown } }
  | { type: "auth_required"; data: { kind: string; text?: string; [k: string]: unknown } }
  | {
      type: "run_completed";
      data: { final_response: string; structured_output?: unknown; usage?: Record<string, unknown> };
    }
  | { type: "run_failed"; data: { message: string; code?: string; [k: string]: unknown } }
  /** Only a remote agent that cancelled on its own says this; a cancel_run is written by the engine. */
  | { type: "run_cancelled"; data: { reason: string; [k: string]: unknown } };
