/**
 * The remote_a2a backend: a run is one A2A task on a remote agent. Streaming when the agent's card offers it,
 * else send and poll. Input and auth requests pause the run; continue_run sends the answer on the same task.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type Message, Role, type SendMessageRequest } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { Ajv } from "ajv";
import { invalidInput } from "../../core/errors.js";
import type { InputMessage } from "../../core/run.js";
import type { AgentEvent } from "../../events/types.js";
import type { Backend, BackendRun, BackendRunSpec } from "../types.js";
import { connectAgent } from "./client.js";
import { describeA2aError } from "./errors.js";
import { a2aConfig } from "./options.js";
import { toA2aParts } from "./parts.js";
import { TaskTracker } from "./task-tracker.js";

/** Longest a CancelTask may take: the run is stopped either way, and the engine waits 5 s at most. */
const CANCEL_TIMEOUT_MS = 3_000;

export class A2aBackend implements Backend {
  readonly name = "remote_a2a";

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  validateConfig(config: Record<string, unknown>): void {
    a2aConfig(config, this.env);
  }

  start(spec: BackendRunSpec): BackendRun {
    const config = a2aConfig(spec.backend_config, this.env);
    const abort = new AbortController();
    const tracker = new TaskTracker((contextId) => spec.onBackendSession(contextId));
    let client: Client | undefined;
    let stopping: Promise<void> | undefined;
    /**
     * Tells the agent first (CancelTask, bounded), then hangs up: an agent on the 0.3 SDK that sees its stream
     * close first marks the task canceled and goes on working.
     */
    const stopRemote = (): Promise<void> => {
      stopping ??= (async () => {
        const taskId = tracker.taskId;
        if (client && taskId && !tracker.ended) {
          await client
            .cancelTask(
              { tenant: "", id: taskId, metadata: undefined },
              { signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) },
            )
            .catch(() => undefined);
        }
        abort.abort();
      })();
      return stopping;
    };
    const stop = () => void stopRemote();
    spec.signal.addEventListener("abort", stop, { once: true });
    // An answer may come before the stream of the paused turn has closed: it waits here until it is wanted.
    const replies: InputMessage[] = [];
    let wake: (() => void) | undefined;
    const validate = spec.output_schema ? new Ajv({ strict: false }).compile(spec.output_schema) : undefined;

    const message = (source: { prompt?: string; input_message?: InputMessage }, first: boolean): Message => ({
      messageId: randomUUID(),
      contextId: tracker.contextId || spec.resume_backend_session_id || "",
      taskId: first ? "" : tracker.taskId,
      role: Role.ROLE_USER,
      parts: toA2aParts(
        first && spec.profile_text
          ? { ...source, prompt: `${spec.profile_text}\n\n${source.prompt ?? ""}` }
          : source,
      ),
      // The remote execution directory travels with every message; our own agents also take the output schema.
      metadata: {
        cwd: config.remote_cwd ?? spec.cwd,
        run_id: spec.run_id,
        ...(spec.output_schema ? { output_schema: spec.output_schema } : {}),
      },
      extensions: [],
      referenceTaskIds: [],
    });

    const request = (m: Message, returnImmediately: boolean): SendMessageRequest => ({
      tenant: "",
      message: m,
      configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately },
      metadata: undefined,
    });

    async function* turn(c: Client, m: Message, streaming: boolean): AsyncGenerator<AgentEvent> {
      if (streaming) {
        // Its own signal: a 1.0 agent keeps an auth-required stream open, so a paused turn hangs up itself.
        const stream = new AbortController();
        const hangUp = () => stream.abort();
        abort.signal.addEventListener("abort", hangUp, { once: true });
        try {
          for await (const response of c.sendMessageStream(request(m, false), { signal: stream.signal })) {
            yield* tracker.update(response);
            if (tracker.paused || tracker.ended) {
              hangUp();
              return;
            }
          }
        } catch (error) {
          if (!stream.signal.aborted || abort.signal.aborted) throw error;
        } finally {
          abort.signal.removeEventListener("abort", hangUp);
        }
        return;
      }
      const sent = await c.sendMessage(request(m, true), { signal: abort.signal });
      yield* "role" in sent
        ? tracker.update({ payload: { $case: "message", value: sent } })
        : tracker.snapshot(sent);
      while (!tracker.paused && !tracker.ended) {
        await sleep(config.poll_interval_ms, undefined, { signal: abort.signal });
        yield* tracker.snapshot(
          await c.getTask({ tenant: "", id: tracker.taskId, historyLength: 0 }, { signal: abort.signal }),
        );
      }
    }

    async function* events(): AsyncGenerator<AgentEvent> {
      try {
        client = await connectAgent(config);
        const streaming = (await client.getAgentCard()).capabilities?.streaming === true;
        let next = message(spec, true);
        for (;;) {
          for await (const event of turn(client, next, streaming)) {
            if (event.type === "run_completed" && validate && !validate(event.data.structured_output)) {
              yield {
                type: "run_failed",
                data: {
                  code: "invalid_output",
                  message: `structured output does not match output_schema: ${new Ajv().errorsText(validate.errors)}`,
                },
              };
              return;
            }
            yield event;
          }
          if (!tracker.paused) return;
          while (replies.length === 0) {
            await new Promise<void>((resolve, reject) => {
              // The abort may have come while the paused turn's stream was closing.
              if (abort.signal.aborted) return reject(abort.signal.reason);
              wake = resolve;
              abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true });
            });
          }
          next = message({ input_message: replies.shift() as InputMessage }, false);
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        throw new Error(describeA2aError(error, config.agent_url));
      } finally {
        spec.signal.removeEventListener("abort", stop);
      }
    }

    return {
      events: events(),
      cancel: stopRemote,
      sendInput: async (reply) => {
        if (!tracker.paused || replies.length > 0) {
          throw invalidInput("input_message", "the remote task is not waiting for input");
        }
        replies.push(reply);
        wake?.();
      },
    };
  }
}
