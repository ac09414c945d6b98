/** Follows one A2A task through streamed updates or polled snapshots and turns what changed into our events. */
import { type Artifact, type Message, type StreamResponse, type Task, TaskState } from "@a2a-js/sdk";
import type { AgentEvent } from "../../events/types.js";
import { dataOf, fromA2aPart, textOf } from "./parts.js";

/** States after which the remote waits for us, or has ended. */
export const PAUSED = new Set([TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED]);
export const FINAL = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

const STATE_NAMES: Record<number, string> = {
  [TaskState.TASK_STATE_SUBMITTED]: "submitted",
  [TaskState.TASK_STATE_WORKING]: "working",
  [TaskState.TASK_STATE_INPUT_REQUIRED]: "input-required",
  [TaskState.TASK_STATE_AUTH_REQUIRED]: "auth-required",
};

export class TaskTracker {
  taskId = "";
  contextId = "";
  state: TaskState = TaskState.TASK_STATE_UNSPECIFIED;
  private readonly artifacts = new Map<string, Artifact>();
  private readonly seenMessages = new Set<string>();
  private lastText = "";

  constructor(private readonly onContext: (contextId: string) => void) {}

  get paused(): boolean {
    return PAUSED.has(this.state);
  }

  get ended(): boolean {
    return FINAL.has(this.state);
  }

  /** A streamed update. */
  update(response: StreamResponse): AgentEvent[] {
    const payload = response.payload;
    switch (payload?.$case) {
      case "task":
        return this.snapshot(payload.value);
      case "statusUpdate":
        this.ids(payload.value.taskId, payload.value.contextId);
        return this.status(payload.value.status?.state, payload.value.status?.message);
      case "artifactUpdate":
        this.ids(payload.value.taskId, payload.value.contextId);
        return payload.value.artifact ? this.artifact(payload.value.artifact, payload.value.append) : [];
      case "message":
        return this.directReply(payload.value);
      default:
        return [];
    }
  }

  /** A whole task (the first streamed event, a send's answer, or a poll). */
  snapshot(task: Task): AgentEvent[] {
    this.ids(task.id, task.contextId);
    const events: AgentEvent[] = [];
    for (const artifact of task.artifacts) {
      const known = this.artifacts.get(artifact.artifactId);
      if (!known || known.parts.length !== artifact.parts.length)
        events.push(...this.artifact(artifact, false));
    }
    events.push(...this.status(task.status?.state, task.status?.message));
    return events;
  }

  private ids(taskId: string, contextId: string): void {
    if (taskId) this.taskId = taskId;
    if (contextId && contextId !== this.contextId) {
      this.contextId = contextId;
      this.onContext(contextId);
    }
  }

  private status(state: TaskState | undefined, message: Message | undefined): AgentEvent[] {
    const events: AgentEvent[] = [];
    const text = message ? this.messageText(message) : "";
    const changed = state !== undefined && state !== this.state && state !== TaskState.TASK_STATE_UNSPECIFIED;
    if (changed) this.state = state;
    switch (changed ? state : undefined) {
      case TaskState.TASK_STATE_INPUT_REQUIRED:
      case TaskState.TASK_STATE_AUTH_REQUIRED: {
        const type = state === TaskState.TASK_STATE_INPUT_REQUIRED ? "input_required" : "auth_required";
        const request = message ? dataOf(message.parts) : undefined;
        const fields = request && typeof request === "object" && !Array.isArray(request) ? request : {};
        events.push({
          type,
          data: {
            kind: type === "input_required" ? "input" : "auth",
            ...fields,
            text: text || `The agent is ${STATE_NAMES[state as number]}`,
          },
        });
        return events;
      }
      case TaskState.TASK_STATE_COMPLETED:
        events.push(this.completed(text));
        return events;
      case TaskState.TASK_STATE_FAILED:
        events.push({
          type: "run_failed",
          data: { code: "remote_failed", message: text || "the remote agent failed the task" },
        });
        return events;
      case TaskState.TASK_STATE_REJECTED:
        events.push({
          type: "run_failed",
          data: { code: "rejected", message: text || "the remote agent rejected the task" },
        });
        return events;
      case TaskState.TASK_STATE_CANCELED:
        events.push({
          type: "run_cancelled",
          data: { reason: text || "the remote agent cancelled the task" },
        } as never);
        return events;
      default:
        if (text) events.push({ type: "agent_message", data: { text } });
        else if (changed && state !== undefined) {
          events.push({
            type: "status_changed",
            data: { status: "running", remote_state: STATE_NAMES[state] ?? String(state) },
          });
        }
        return events;
    }
  }

  private messageText(message: Message): string {
    if (message.messageId && this.seenMessages.has(message.messageId)) return "";
    if (message.messageId) this.seenMessages.add(message.messageId);
    const text = textOf(message.parts);
    if (text) this.lastText = text;
    return text;
  }

  private artifact(artifact: Artifact, append: boolean): AgentEvent[] {
    const known = this.artifacts.get(artifact.artifactId);
    const merged = append && known ? { ...known, parts: [...known.parts, ...artifact.parts] } : artifact;
    this.artifacts.set(artifact.artifactId, merged);
    return [
      {
        type: "artifact_added",
        data: {
          artifact_id: artifact.artifactId,
          name: artifact.name || undefined,
          parts: artifact.parts.flatMap((part) => fromA2aPart(part) ?? []),
          ...(append ? { append: true } : {}),
        },
      },
    ];
  }

  /** The final answer: the artifact named final/answer/result, else the last artifact, else the last message. */
  private completed(statusText: string): AgentEvent {
    const all = [...this.artifacts.values()];
    const chosen = all.find((a) => /^(final|answer|result)/i.test(a.name)) ?? all.at(-1);
    const final = (chosen && textOf(chosen.parts)) || statusText || this.lastText;
    const structured = chosen ? dataOf(chosen.parts) : undefined;
    return {
      type: "run_completed",
      data: { final_response: final, ...(structured !== undefined ? { structured_output: structured } : {}) },
    };
  }

  private directReply(message: Message): AgentEvent[] {
    this.ids(message.taskId, message.contextId);
    const text = this.messageText(message);
    const data = dataOf(message.parts);
    this.state = TaskState.TASK_STATE_COMPLETED;
    return [
      ...(text ? [{ type: "agent_message", data: { text } } as AgentEvent] : []),
      {
        type: "run_completed",
        data: { final_response: text, ...(data !== undefined ? { structured_output: data } : {}) },
      },
    ];
  }
}
