/**
 * A backend for tests only: it plays a script of steps from `backend_config.script`, so engine behaviour can
 * be exercised without an agent CLI. It is never registered by the server's own entry point.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Backend, BackendRun, BackendRunSpec } from "../../src/backends/types.js";
import { OrchestratorError } from "../../src/core/errors.js";
import type { InputMessage } from "../../src/core/run.js";
import type { AgentEvent } from "../../src/events/types.js";

export type Step =
  | { emit: AgentEvent }
  | { burst: number; bytes?: number }
  /** A command_finished whose stdout is `bytes` of filler ending in `tail` (bigger than backend_config allows). */
  | { output: { bytes: number; tail: string } }
  | { sleep: number }
  /** Sleeps this long even when told to stop: a backend slow to stop. */
  | { stubborn: number }
  /** Waits for an answer, then says what it got; `auth` asks with auth_required and repeats no value. */
  | { ask: { kind: string; text: string }; auth?: true }
  | { hang: true }
  | { throw: string }
  | { session: string };

export class ScriptedBackend implements Backend {
  readonly name: string;
  active = 0;
  maxActive = 0;
  readonly started: BackendRunSpec[] = [];
  readonly inputs: InputMessage[] = [];
  /** Cancels that found the script still running. */
  cancels = 0;

  constructor(name = "codex") {
    this.name = name;
  }

  validateConfig(config: Record<string, unknown>): void {
    if (config.script !== undefined && !Array.isArray(config.script)) {
      throw new OrchestratorError("invalid_input", "backend_config.script: expected an array of steps");
    }
  }

  start(spec: BackendRunSpec): BackendRun {
    this.started.push(spec);
    const resumed = spec.resume_backend_session_id !== undefined && spec.backend_config.resume_script;
    const script = ((resumed ? spec.backend_config.resume_script : spec.backend_config.script) as
      | Step[]
      | undefined) ?? [{ emit: { type: "agent_message", data: { text: `echo: ${spec.prompt ?? ""}` } } }];
    let answer: ((message: InputMessage) => void) | undefined;
    let stop: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    spec.signal.addEventListener("abort", () => stop?.(), { once: true });
    const self = this;

    async function* play(): AsyncGenerator<AgentEvent> {
      self.active++;
      self.maxActive = Math.max(self.maxActive, self.active);
      try {
        for (const step of script) {
          if (spec.signal.aborted) return;
          if ("emit" in step) yield step.emit;
          else if ("burst" in step) {
            const text = "x".repeat(step.bytes ?? 16);
            for (let i = 0; i < step.burst; i++)
              yield { type: "agent_message", data: { text: `${i} ${text}` } };
          } else if ("output" in step) {
            const { bytes, tail } = step.output;
            const stdout = "x".repeat(Math.max(0, bytes - tail.length)) + tail;
            yield { type: "command_finished", data: { command: "scripted", exit_code: 0, stdout } };
          } else if ("sleep" in step) await Promise.race([sleep(step.sleep), stopped]);
          else if ("stubborn" in step) await sleep(step.stubborn);
          else if ("ask" in step) {
            const got = new Promise<InputMessage>((resolve) => {
              answer = resolve;
            });
            yield { type: step.auth ? "auth_required" : "input_required", data: step.ask };
            const message = await Promise.race([got, stopped.then(() => undefined)]);
            if (!message) return;
            const text = step.auth
              ? `${message.parts.length} part(s)`
              : message.parts.map((p) => (p.type === "text" ? p.text : JSON.stringify(p))).join(" ");
            yield { type: "agent_message", data: { text: `got: ${text}` } };
          } else if ("hang" in step) await stopped;
          else if ("throw" in step) throw new Error(step.throw);
          else if ("session" in step) spec.onBackendSession(step.session);
        }
      } finally {
        self.active--;
      }
    }

    return {
      events: play(),
      cancel: async () => {
        self.cancels++;
        stop?.();
      },
      sendInput: async (message) => {
        if (!answer)
          throw new OrchestratorError("invalid_input", "input_message: nothing is waiting for input");
        if (message.parts.some((p) => p.type === "text" && p.text === "invalid")) {
          throw new OrchestratorError(
            "invalid_input",
            "input_message: the scripted backend refuses 'invalid'",
          );
        }
        if (message.parts.some((p) => p.type === "text" && p.text === "explode")) {
          throw new Error("the agent's input channel closed");
        }
        self.inputs.push(message);
        const deliver = answer;
        answer = undefined;
        deliver(message);
      },
    };
  }
}
