/**
 * The A2A AgentExecutor that wraps one of our backends: a message without a task starts a turn in its context's
 * conversation; a message to a task that waits for input answers it; CancelTask stops the turn.
 */
import { TaskState } from "@a2a-js/sdk";
import type { AgentExecutor, ExecutionEventBus, RequestContext } from "@a2a-js/sdk/server";
import type { Backend, BackendRunSpec } from "../backends/types.js";
import { errorMessage, invalidInput, OrchestratorError } from "../core/errors.js";
import { newRunId } from "../core/ids.js";
import { agentMessage, statusEvent, type TaskRef, taskEvent, textPart } from "./a2a-message.js";
import type { Conversation, Conversations } from "./conversations.js";
import { inputMessage, turnInput } from "./inbound.js";
import type { CallerPolicy } from "./policy.js";
import { Turn } from "./turn.js";
import { turnOptions } from "./turn-metadata.js";
import type { Workspace } from "./workspace.js";

const DEFAULT_CANCEL_GRACE_MS = 5_000;
const DEFAULT_ROLE = "a2a";

/** What a new turn will run, decided before anything is published. */
interface Plan {
  conversation: Conversation;
  spec: Omit<BackendRunSpec, "signal" | "onBackendSession">;
}

/** Where turns may run, what callers may ask, and what is remembered between turns. */
export interface ExecutorSetup {
  workspace: Workspace;
  policy: CallerPolicy;
  conversations: Conversations;
  cancelGraceMs?: number;
}

export class BackendAgentExecutor implements AgentExecutor {
  private readonly turns = new Map<string, Turn>();
  private readonly workspace: Workspace;
  private readonly policy: CallerPolicy;
  private readonly conversations: Conversations;
  private readonly cancelGraceMs: number;
  private stopping = false;

  constructor(
    readonly backend: Backend,
    setup: ExecutorSetup,
  ) {
    this.workspace = setup.workspace;
    this.policy = setup.policy;
    this.conversations = setup.conversations;
    this.cancelGraceMs = setup.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  }

  execute = async (context: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const ref: TaskRef = { taskId: context.taskId, contextId: context.contextId };
    if (context.task) await this.followUp(context, ref, bus);
    else await this.start(context, ref, bus);
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    const turn = this.turns.get(taskId);
    if (turn) await turn.cancel(bus, this.cancelGraceMs);
    else {
      // No turn runs for it here, yet CancelTask only returns once a terminal event crosses the bus.
      bus.publish(statusEvent({ taskId, contextId: "" }, TaskState.TASK_STATE_CANCELED));
    }
  };

  /** Cancels every turn (the server is stopping). */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.turns.values()].map((turn) =>
        turn.cancel(turn.bus, this.cancelGraceMs, "The agent is stopping."),
      ),
    );
  }

  private async start(context: RequestContext, ref: TaskRef, bus: ExecutionEventBus): Promise<void> {
    let plan: Plan;
    try {
      plan = this.plan(context);
    } catch (error) {
      bus.publish(taskEvent(ref, TaskState.TASK_STATE_SUBMITTED, [context.userMessage]));
      bus.publish(
        statusEvent(ref, TaskState.TASK_STATE_REJECTED, agentMessage(ref, [textPart(errorMessage(error))])),
      );
      return;
    }
    const { conversation, spec } = plan;
    this.conversations.begin(conversation, ref.taskId);
    const turn = new Turn(ref, bus, () => {
      this.turns.delete(ref.taskId);
      this.conversations.end(conversation, ref.taskId);
    });
    this.turns.set(ref.taskId, turn);
    bus.publish(
      taskEvent(ref, TaskState.TASK_STATE_SUBMITTED, [context.userMessage], {
        backend: this.backend.name,
        cwd: spec.cwd,
        run_id: spec.run_id,
      }),
    );
    bus.publish(statusEvent(ref, TaskState.TASK_STATE_WORKING));
    try {
      turn.play(
        this.backend.start({
          ...spec,
          signal: turn.abort.signal,
          onBackendSession: (id) => {
            conversation.backendSessionId = id;
          },
        }),
      );
    } catch (error) {
      turn.fail(errorMessage(error), error instanceof OrchestratorError ? error.code : "backend_error");
      return;
    }
    await turn.untilPause();
  }

  /** Checks a new turn's message against its conversation; throws what the caller did wrong. */
  private plan(context: RequestContext): Plan {
    if (this.stopping) throw new OrchestratorError("conflict", "this agent is stopping");
    const message = context.userMessage;
    const options = turnOptions(message, context.request.metadata);
    this.policy.check(this.backend.name, options.backend_config);
    const input = turnInput(message);
    if (input.prompt === undefined && input.input_message === undefined) {
      throw invalidInput("message.parts", "expected at least one text, data or file part");
    }
    let conversation = this.conversations.get(context.contextId);
    const cwd =
      options.cwd === undefined && conversation ? conversation.cwd : this.workspace.resolve(options.cwd);
    if (conversation?.activeTaskId) {
      throw new OrchestratorError(
        "conflict",
        `context ${context.contextId} is busy with task ${conversation.activeTaskId}: wait for it to end, answer it, or cancel it`,
      );
    }
    if (conversation && cwd !== conversation.cwd) {
      throw invalidInput(
        "metadata.cwd",
        `this conversation runs in ${conversation.cwd}; start a new context to work in ${cwd}`,
      );
    }
    this.backend.validateConfig?.(options.backend_config);
    conversation ??= this.conversations.open(context.contextId, cwd);
    return {
      conversation,
      spec: {
        run_id: newRunId(),
        session_id: conversation.sessionId,
        cwd,
        role: options.role ?? DEFAULT_ROLE,
        ...input,
        ...(options.profile_text ? { profile_text: options.profile_text } : {}),
        ...(options.output_schema ? { output_schema: options.output_schema } : {}),
        backend_config: options.backend_config,
        ...(conversation.backendSessionId
          ? { resume_backend_session_id: conversation.backendSessionId }
          : {}),
      },
    };
  }

  /** A message to an existing task: the answer to its request for input. */
  private async followUp(context: RequestContext, ref: TaskRef, bus: ExecutionEventBus): Promise<void> {
    const turn = this.turns.get(ref.taskId);
    if (!turn) {
      bus.publish(taskEvent(ref, context.task?.status?.state ?? TaskState.TASK_STATE_WORKING, []));
      bus.publish(
        statusEvent(
          ref,
          TaskState.TASK_STATE_FAILED,
          agentMessage(ref, [
            textPart("No turn of this task runs on this agent any more (was it restarted?)."),
          ]),
        ),
      );
      return;
    }
    turn.bus = bus;
    bus.publish(taskEvent(ref, TaskState.TASK_STATE_WORKING, []));
    const refusal = this.refusal(context);
    if (refusal) turn.refuse(refusal);
    else if (!turn.waiting) {
      turn.refuse(
        "This task is still working, so your message was not delivered: send it when the task asks for input, or cancel the task.",
      );
    } else {
      try {
        await turn.answer(inputMessage(context.userMessage));
      } catch {
        // The turn has shown the request again, with the reason.
      }
    }
    await turn.untilPause();
  }

  /** Why a follow-up message cannot be delivered (bad metadata, another cwd), if it cannot. */
  private refusal(context: RequestContext): string | undefined {
    try {
      const options = turnOptions(context.userMessage, context.request.metadata);
      const conversation = this.conversations.get(context.contextId);
      if (
        options.cwd !== undefined &&
        conversation &&
        this.workspace.resolve(options.cwd) !== conversation.cwd
      ) {
        return `Your message was not delivered: this conversation runs in ${conversation.cwd}, not ${options.cwd}.`;
      }
      return undefined;
    } catch (error) {
      return `Your message was not delivered: ${errorMessage(error)}`;
    }
  }
}
