/**
 * Turns Claude Code's permission requests and questions into `input_required` events, and the caller's
 * `continue_run` answers back into what the SDK expects. Requests queue in order: one is shown at a time.
 */
import { randomUUID } from "node:crypto";
import type { CanUseTool, PermissionResult } from "@anthropic-ai/claude-agent-sdk";
import { invalidInput } from "../../core/errors.js";
import type { InputMessage } from "../../core/run.js";
import type { AgentEvent } from "../../events/types.js";
import type { ClaudeConfig } from "./options.js";

/** Claude Code's tool for asking the user a question. */
export const QUESTION_TOOL = "AskUserQuestion";

interface Pending {
  request_id: string;
  kind: "permission" | "question";
  tool: string;
  input: Record<string, unknown>;
  event: AgentEvent;
  settle(result: PermissionResult): void;
}

export class PermissionBridge {
  private readonly queue: Pending[] = [];
  /** The run is ending: requests dropped now are not withdrawals the caller must hear of. */
  private stopped = false;

  constructor(
    private readonly policy: ClaudeConfig["on_permission"],
    private readonly emit: (event: AgentEvent) => void,
  ) {}

  get waiting(): boolean {
    return this.queue.length > 0;
  }

  readonly canUseTool: CanUseTool = (tool, input, options) => {
    const isQuestion = tool === QUESTION_TOOL;
    if (!isQuestion && this.policy === "allow")
      return Promise.resolve({ behavior: "allow", updatedInput: input });
    if (this.policy !== "ask") {
      const message = isQuestion
        ? "Nobody can answer questions in this run: decide for yourself and say what you assumed."
        : `Permission for ${tool} was denied by this run's policy (on_permission: deny).`;
      return Promise.resolve({ behavior: "deny", message });
    }
    return new Promise<PermissionResult>((resolve) => {
      const request_id = randomUUID();
      const event: AgentEvent = isQuestion
        ? {
            type: "input_required",
            data: { kind: "question", request_id, text: questionText(input), ...questionOptions(input) },
          }
        : {
            type: "input_required",
            data: {
              kind: "permission",
              request_id,
              tool,
              input,
              text: options.title ?? `Claude wants to use ${tool}`,
              ...(options.suggestions ? { suggestions: options.suggestions } : {}),
              ...(options.decisionReason ? { reason: options.decisionReason } : {}),
            },
          };
      const pending: Pending = {
        request_id,
        kind: isQuestion ? "question" : "permission",
        tool,
        input,
        event,
        settle: (result) => {
          options.signal.removeEventListener("abort", onAbort);
          resolve(result);
        },
      };
      // Claude Code withdrew the request (or the run is stopping): nobody is to answer it any more.
      const onAbort = () =>
        this.drop(
          pending,
          { behavior: "deny", message: "The request was withdrawn.", interrupt: true },
          true,
        );
      options.signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(pending);
      if (this.queue.length === 1) this.emit(event);
    });
  };

  /** Answers the request shown (or the one `request_id` names); throws invalid_input for an answer that fits none. */
  answer(message: InputMessage): void {
    const reply = parseReply(message);
    const pending = reply.request_id
      ? this.queue.find((p) => p.request_id === reply.request_id)
      : this.queue[0];
    if (!pending) {
      throw reply.request_id
        ? invalidInput(
            "input_message",
            `no pending request ${reply.request_id}; pending: ${this.queue.map((p) => p.request_id).join(", ") || "none"}`,
          )
        : invalidInput("input_message", "this run is not waiting for an answer");
    }
    this.drop(
      pending,
      pending.kind === "question" ? questionResult(pending, reply) : permissionResult(pending, reply),
    );
  }

  /** Stops every pending request (the run is ending). */
  cancelAll(): void {
    this.stopped = true;
    for (const pending of [...this.queue]) {
      this.drop(pending, { behavior: "deny", message: "The run was stopped.", interrupt: true });
    }
  }

  private drop(pending: Pending, result: PermissionResult, withdrawn = false): void {
    const at = this.queue.indexOf(pending);
    if (at === -1) return;
    this.queue.splice(at, 1);
    pending.settle(result);
    const next = this.queue[0];
    if (at !== 0) return;
    if (next) this.emit(next.event);
    else if (withdrawn && !this.stopped) {
      // The request shown is gone and none follows: the run works again, and its pending_input must not linger.
      this.emit({
        type: "status_changed",
        data: { status: "running", reason: "request_withdrawn", request_id: pending.request_id },
      });
    }
  }
}

interface Reply {
  decision?: "allow" | "deny";
  text?: string;
  message?: string;
  request_id?: string;
  data?: Record<string, unknown>;
}

function parseReply(message: InputMessage): Reply {
  const reply: Reply = {};
  const texts: string[] = [];
  for (const part of message.parts) {
    if (part.type === "text") texts.push(part.text);
    else if (
      part.type === "data" &&
      part.data &&
      typeof part.data === "object" &&
      !Array.isArray(part.data)
    ) {
      const data = part.data as Record<string, unknown>;
      reply.data = data;
      if (data.decision !== undefined) {
        if (data.decision !== "allow" && data.decision !== "deny") {
          throw invalidInput("input_message.parts.data.decision", 'expected "allow" or "deny"');
        }
        reply.decision = data.decision;
      }
      if (typeof data.message === "string") reply.message = data.message;
      if (typeof data.request_id === "string") reply.request_id = data.request_id;
      if (typeof data.answer === "string") texts.push(data.answer);
    }
  }
  if (texts.length > 0) reply.text = texts.join("\n").trim();
  return reply;
}

function permissionResult(pending: Pending, reply: Reply): PermissionResult {
  const word = reply.text?.toLowerCase();
  const decision =
    reply.decision ??
    (word === "allow" || word === "yes" ? "allow" : word === "deny" || word === "no" ? "deny" : undefined);
  if (!decision) {
    throw invalidInput(
      "input_message",
      `answer the permission request for ${pending.tool} with a data part {"decision": "allow" | "deny", "message"?} or the text "allow" / "deny"`,
    );
  }
  return decision === "allow"
    ? { behavior: "allow", updatedInput: pending.input }
    : { behavior: "deny", message: reply.message ?? reply.text ?? `The user denied ${pending.tool}.` };
}

function questionResult(pending: Pending, reply: Reply): PermissionResult {
  const answer = reply.text ?? (reply.data ? JSON.stringify(reply.data) : "");
  if (answer === "") throw invalidInput("input_message", "answer the question with a text part");
  const answers: Record<string, string> = {};
  for (const question of questions(pending.input)) answers[question.question] = answer;
  return { behavior: "allow", updatedInput: { ...pending.input, answers } };
}

interface Question {
  question: string;
  options?: { label: string; description?: string }[];
}

function questions(input: Record<string, unknown>): Question[] {
  return Array.isArray(input.questions)
    ? (input.questions as Question[]).filter((q) => typeof q?.question === "string")
    : [];
}

function questionText(input: Record<string, unknown>): string {
  return (
    questions(input)
      .map((q) => q.question)
      .join("\n") || "The agent asks a question."
  );
}

function questionOptions(input: Record<string, unknown>): { options?: string[] } {
  const labels = questions(input).flatMap((q) => (q.options ?? []).map((o) => o.label));
  return labels.length > 0 ? { options: labels } : {};
}
