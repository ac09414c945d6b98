/**
 * A2A v1.0 test agents built with @a2a-js/sdk 1.x's own server pieces (AgentExecutor, DefaultRequestHandler,
 * InMemoryTaskStore, the express card / JSON-RPC / REST handlers). The text of the incoming message picks the
 * scenario (see scenarios.ts: `[[say:TEXT]]`, `[[artifacts]]`, `[[input]]`, `[[auth]]`, `[[reject]]`, `[[fail]]`,
 * `[[json]]`, `[[hang]]`, `[[slow]]`, `[[echo-meta]]`), so one agent serves many tests. Every `execute` is recorded
 * in `messages` (taskId, contextId, text, metadata) so tests can check that a resumed conversation reuses the
 * contextId.
 */
import { randomUUID } from "node:crypto";
import {
  AgentCard,
  type AgentInterface,
  type Message,
  type Part,
  Role,
  type Task,
  TaskState,
} from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import {
  type AgentOptions,
  type AppShell,
  deferred,
  type FakeA2AAgent,
  parseScenario,
  startAppShell,
} from "./common.js";
import { openingState, playScenario, type StateName } from "./scenarios.js";

export type V1Binding = "JSONRPC" | "HTTP+JSON";

export interface ScenarioAgentOptions extends AgentOptions {
  /** `capabilities.streaming` in the card (default true). */
  streaming?: boolean;
  /** Interfaces in the card, in preference order (default JSON-RPC then REST). Only these are mounted. */
  bindings?: V1Binding[];
}

export const JSONRPC_PATH = "/a2a/jsonrpc";
export const REST_PATH = "/a2a/rest";

export const textPart = (text: string): Part => ({
  content: { $case: "text", value: text },
  metadata: undefined,
  filename: "",
  mediaType: "text/plain",
});

export const dataPart = (value: unknown): Part => ({
  content: { $case: "data", value },
  metadata: undefined,
  filename: "",
  mediaType: "application/json",
});

function textOf(parts: Part[] | undefined): string {
  return (parts ?? [])
    .map((p) => (p.content?.$case === "text" ? p.content.value : ""))
    .filter((t) => t.length > 0)
    .join("\n");
}

class ScenarioExecutor implements AgentExecutor {
  private readonly hangs = new Map<string, () => void>();

  constructor(private readonly shell: AppShell) {}

  execute = async (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const msg = ctx.userMessage;
    const text = textOf(msg.parts);
    const { taskId, contextId } = ctx;
    const prior = ctx.task;
    const priorState = prior?.status?.state;
    const answering =
      priorState === TaskState.TASK_STATE_INPUT_REQUIRED || priorState === TaskState.TASK_STATE_AUTH_REQUIRED;
    let scenario = parseScenario(text);
    if (answering && scenario.kind === "default") scenario = { kind: "followup" };

    this.shell.record({
      taskId,
      contextId,
      text,
      metadata: msg.metadata,
      requestMetadata: ctx.request.metadata,
      scenario: scenario.kind,
    });

    const agentMessage = (t: string): Message => ({
      messageId: randomUUID(),
      contextId,
      taskId,
      role: Role.ROLE_AGENT,
      parts: [textPart(t)],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    });
    // Every turn starts with a task event (the server refuses a stream that starts otherwise). A follow-up
    // republishes the stored task (its history already holds the new message) in WORKING: republishing it in
    // INPUT_REQUIRED would end the event queue at once.
    const openWith = prior ? "working" : openingState(scenario.kind);
    const opening = { state: V1_STATE[openWith], message: undefined, timestamp: now() };
    const task: Task = prior
      ? { ...prior, status: opening }
      : { id: taskId, contextId, status: opening, artifacts: [], history: [msg], metadata: undefined };
    bus.publish(AgentEvent.task(task));

    await playScenario(scenario, text, msg.metadata, {
      status: (state, t) =>
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: {
              state: V1_STATE[state],
              message: t === undefined ? undefined : agentMessage(t),
              timestamp: now(),
            },
            metadata: undefined,
          }),
        ),
      artifact: (name, parts) =>
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            artifact: {
              artifactId: randomUUID(),
              name,
              description: "",
              parts: parts.map((p) => ("text" in p ? textPart(p.text) : dataPart(p.data))),
              metadata: undefined,
              extensions: [],
            },
            append: false,
            lastChunk: true,
            metadata: undefined,
          }),
        ),
      untilCanceled: () => {
        const d = deferred();
        this.hangs.set(taskId, d.resolve);
        return d.promise;
      },
    });
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    this.shell.canceled.push(taskId);
    // CancelTask only returns once a CANCELED status is on the bus; the contextId comes from the stored task.
    const contextId = this.contexts.get(taskId) ?? "";
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: now() },
        metadata: undefined,
      }),
    );
    const release = this.hangs.get(taskId);
    this.hangs.delete(taskId);
    release?.();
  };

  /** taskId → contextId, filled from the recorded messages. */
  private get contexts(): Map<string, string> {
    return new Map(this.shell.messages.map((m) => [m.taskId, m.contextId]));
  }
}

const now = () => new Date().toISOString();

const V1_STATE: Record<StateName, TaskState> = {
  submitted: TaskState.TASK_STATE_SUBMITTED,
  working: TaskState.TASK_STATE_WORKING,
  "input-required": TaskState.TASK_STATE_INPUT_REQUIRED,
  "auth-required": TaskState.TASK_STATE_AUTH_REQUIRED,
  completed: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  canceled: TaskState.TASK_STATE_CANCELED,
  rejected: TaskState.TASK_STATE_REJECTED,
};

function buildCard(url: string, opts: ScenarioAgentOptions, bindings: V1Binding[]): AgentCard {
  const iface = (b: V1Binding): AgentInterface => ({
    url: `${url}${b === "JSONRPC" ? JSONRPC_PATH : REST_PATH}`,
    protocolBinding: b,
    tenant: "",
    protocolVersion: "1.0",
  });
  return {
    name: opts.name ?? "scenario agent",
    description: "Hand-written A2A test agent; [[markers]] in the message pick the scenario.",
    supportedInterfaces: bindings.map(iface),
    provider: { url, organization: "orchestration-mcp tests" },
    version: "1.0.0",
    capabilities: {
      streaming: opts.streaming ?? true,
      pushNotifications: false,
      extensions: [],
      extendedAgentCard: false,
    },
    securitySchemes:
      opts.token === undefined
        ? {}
        : {
            bearer: {
              scheme: {
                $case: "httpAuthSecurityScheme",
                value: { description: "static bearer token", scheme: "Bearer", bearerFormat: "" },
              },
            },
          },
    securityRequirements: opts.token === undefined ? [] : [{ schemes: { bearer: { list: [] } } }],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [
      {
        id: "scenarios",
        name: "scenarios",
        description: "say / artifacts / input / auth / reject / fail / json / hang / slow / echo-meta",
        tags: ["test"],
        examples: ["[[say:hello]]"],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

/** The streaming scenario agent (A2A 1.0, JSON-RPC + REST). */
export async function startScenarioAgent(opts: ScenarioAgentOptions = {}): Promise<FakeA2AAgent> {
  const shell = await startAppShell(opts, "/a2a");
  const bindings = opts.bindings ?? ["JSONRPC", "HTTP+JSON"];
  const card = buildCard(shell.url, opts, bindings);
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new ScenarioExecutor(shell));
  const { app } = shell;
  // The SDK's card handler sends JSON.stringify(card), which would put the in-memory `$case` unions (security
  // schemes) on the wire; serve the proto-JSON form (`{"httpAuthSecurityScheme": {...}}`) the spec defines instead.
  const wireCard = AgentCard.toJSON(card) as AgentCard;
  app.use("/.well-known/agent-card.json", agentCardHandler({ agentCardProvider: async () => wireCard }));
  if (bindings.includes("JSONRPC")) {
    app.use(
      JSONRPC_PATH,
      jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
    );
  }
  if (bindings.includes("HTTP+JSON")) {
    app.use(REST_PATH, restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  }
  return toAgent(shell);
}

/** The same agent with `capabilities.streaming: false`: a client must SendMessage and then poll GetTask. */
export function startPollingAgent(opts: Omit<ScenarioAgentOptions, "streaming"> = {}): Promise<FakeA2AAgent> {
  return startScenarioAgent({ name: "polling agent", ...opts, streaming: false });
}

export function toAgent(shell: AppShell): FakeA2AAgent {
  return {
    url: shell.url,
    cardUrl: `${shell.url}/.well-known/agent-card.json`,
    requests: shell.requests,
    messages: shell.messages,
    canceled: shell.canceled,
    waitForMessages: shell.waitForMessages,
    close: shell.close,
  };
}
