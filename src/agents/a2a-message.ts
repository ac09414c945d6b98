/** Builders for the A2A objects our agent publishes (the SDK's types want every field spelled out). */
import { randomUUID } from "node:crypto";
import type { Artifact, Message, Part } from "@a2a-js/sdk";
import { Role, type TaskState } from "@a2a-js/sdk";
import { AgentEvent as A2aEvent, type AgentExecutionEvent } from "@a2a-js/sdk/server";

export type Metadata = Record<string, unknown>;

export const textPart = (text: string): Part => ({
  content: { $case: "text", value: text },
  mediaType: "text/plain",
  filename: "",
  metadata: undefined,
});

export const dataPart = (value: unknown): Part => ({
  content: { $case: "data", value },
  mediaType: "application/json",
  filename: "",
  metadata: undefined,
});

/** Where a task lives: every event names both. */
export interface TaskRef {
  taskId: string;
  contextId: string;
}

export function agentMessage(ref: TaskRef, parts: Part[], metadata?: Metadata): Message {
  return {
    messageId: randomUUID(),
    contextId: ref.contextId,
    taskId: ref.taskId,
    role: Role.ROLE_AGENT,
    parts,
    metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

export function statusEvent(
  ref: TaskRef,
  state: TaskState,
  message?: Message,
  metadata?: Metadata,
): AgentExecutionEvent {
  return A2aEvent.statusUpdate({
    taskId: ref.taskId,
    contextId: ref.contextId,
    status: { state, message, timestamp: new Date().toISOString() },
    metadata,
  });
}

export function taskEvent(
  ref: TaskRef,
  state: TaskState,
  history: Message[],
  metadata?: Metadata,
): AgentExecutionEvent {
  return A2aEvent.task({
    id: ref.taskId,
    contextId: ref.contextId,
    status: { state, message: undefined, timestamp: new Date().toISOString() },
    artifacts: [],
    history,
    metadata,
  });
}

export function artifactEvent(ref: TaskRef, artifact: Artifact): AgentExecutionEvent {
  return A2aEvent.artifactUpdate({
    taskId: ref.taskId,
    contextId: ref.contextId,
    artifact,
    append: false,
    lastChunk: true,
    metadata: undefined,
  });
}

export function artifact(
  artifactId: string,
  name: string,
  parts: Part[],
  description = "",
  metadata?: Metadata,
): Artifact {
  return { artifactId, name, description, parts, metadata, extensions: [] };
}
