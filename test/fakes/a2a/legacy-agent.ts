/**
 * An A2A 0.3 test agent built with the 0.3 SDK (`a2a-sdk-03` = `@a2a-js/sdk@0.3.9` under an npm alias): JSON-RPC
 * (`message/send`, `message/stream`, `tasks/get`, `tasks/cancel`) at /a2a/jsonrpc and the 0.3 REST binding at
 * /a2a/rest, card (protocolVersion "0.3.0") at /.well-known/agent-card.json. It plays the same scenarios as the v1.0
 * agents (scenarios.ts), mapped onto 0.3 events (`kind: "task" | "status-update" | "artifact-update"`, string
 * states, `final: true` on the last status update of a turn).
 */
import { randomUUID } from "node:crypto";
import type { AgentCard, Message, Part, Task, TaskState } from "a2a-sdk-03";
import {
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from "a2a-sdk-03/server";
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from "a2a-sdk-03/server/express";
import {
  type AgentOptions,
  type AppShell,
  deferred,
  type FakeA2AAgent,
  parseScenario,
  startAppShell,
} from "./common.js";
import { JSONRPC_PATH, REST_PATH, toAgent } from "./scenario-agent.js";
import { openingState, playScenario, type StateName } from "./scenarios.js";

export interface LegacyAgentOptions extends AgentOptions {
  /** `capabilities.streaming` in the card (default true). */
  streaming?: boolean;
  /** Preferred transport in the card (default JSON-RPC; the other one is listed in additionalInterfaces). */
  preferredTransport?: "JSONRPC" | "HTTP+JSON";
}

/** States after which the 0.3 server stops reading the turn's events (`final: true`). */
const FINAL: ReadonlySet<StateName> = new Set([
  "input-required",
  "auth-required",
  "completed",
  "failed",
  "canceled",
  "rejected",
]);

const now = () => new Date().toISOString();

function textOf(parts: Part[]): string {
  return parts
    .map((p) => (p.kind === "text" ? p.text : ""))
    .filter((t) => t.length > 0)
    .join("\n");
}

class LegacyExecutor implements AgentExecutor {
  private readonly hangs = new Map<string, () => void>();
  private readonly contexts = new Map<string, string>();

  constructor(private readonly shell: AppShell) {}

  execute = async (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const msg = ctx.userMessage;
    const text = textOf(msg.parts);
    const { taskId, contextId } = ctx;
    this.contexts.set(taskId, contextId);
    const prior = ctx.task;
    const answering = prior?.status.state === "input-required" || prior?.status.state === "auth-required";
    let scenario = parseScenario(text);
    if (answering && scenario.kind === "default") scenario = { kind: "followup" };
    this.shell.record({
      taskId,
      contextId,
      text,
      metadata: msg.metadata,
      requestMetadata: undefined,
      scenario: scenario.kind,
    });

    const agentMessage = (t: string): Message => ({
      kind: "message",
      messageId: randomUUID(),
      role: "agent",
      parts: [{ kind: "text", text: t }],
      contextId,
      taskId,
    });
    const opening: TaskState = prior ? "working" : openingState(scenario.kind);
    const task: Task = prior
      ? { ...prior, status: { state: opening, timestamp: now() } }
      : {
          kind: "task",
          id: taskId,
          contextId,
          status: { state: opening, timestamp: now() },
          history: [msg],
          artifacts: [],
        };
    bus.publish(task);

    await playScenario(scenario, text, msg.metadata, {
      status: (state, t) =>
        bus.publish({
          kind: "status-update",
          taskId,
          contextId,
          status: {
            state,
            ...(t === undefined ? {} : { message: agentMessage(t) }),
            timestamp: now(),
          },
          final: FINAL.has(state),
        }),
      artifact: (name, parts) =>
        bus.publish({
          kind: "artifact-update",
          taskId,
          contextId,
          artifact: {
            artifactId: randomUUID(),
            name,
            parts: parts.map(
              (p): Part => ("text" in p ? { kind: "text", text: p.text } : { kind: "data", data: p.data }),
            ),
          },
          append: false,
          lastChunk: true,
        }),
      untilCanceled: () => {
        const d = deferred();
        this.hangs.set(taskId, d.resolve);
        return d.promise;
      },
    });
    bus.finished();
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    this.shell.canceled.push(taskId);
    bus.publish({
      kind: "status-update",
      taskId,
      contextId: this.contexts.get(taskId) ?? "",
      status: { state: "canceled", timestamp: now() },
      final: true,
    });
    const release = this.hangs.get(taskId);
    this.hangs.delete(taskId);
    release?.();
  };
}

/** An A2A 0.3 agent (the 0.3 SDK) playing the scenarios; reach it with the 1.x client's legacy compatibility mode. */
export async function startLegacyAgent(opts: LegacyAgentOptions = {}): Promise<FakeA2AAgent> {
  const shell = await startAppShell(opts, "/a2a");
  const preferred = opts.preferredTransport ?? "JSONRPC";
  const urlOf = (t: "JSONRPC" | "HTTP+JSON") => `${shell.url}${t === "JSONRPC" ? JSONRPC_PATH : REST_PATH}`;
  const card: AgentCard = {
    name: opts.name ?? "legacy 0.3 agent",
    description: "Hand-written A2A 0.3 test agent; [[markers]] in the message pick the scenario.",
    protocolVersion: "0.3.0",
    version: "0.3.0",
    url: urlOf(preferred),
    preferredTransport: preferred,
    additionalInterfaces: [
      { url: urlOf("JSONRPC"), transport: "JSONRPC" },
      { url: urlOf("HTTP+JSON"), transport: "HTTP+JSON" },
    ],
    capabilities: { streaming: opts.streaming ?? true, pushNotifications: false },
    ...(opts.token === undefined
      ? {}
      : {
          securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
          security: [{ bearer: [] }],
        }),
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [
      {
        id: "scenarios",
        name: "scenarios",
        description: "say / input / hang and the rest of the markers",
        tags: ["test"],
      },
    ],
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new LegacyExecutor(shell));
  const { app } = shell;
  app.use("/.well-known/agent-card.json", agentCardHandler({ agentCardProvider: handler }));
  app.use(
    JSONRPC_PATH,
    jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );
  app.use(REST_PATH, restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  return toAgent(shell);
}
