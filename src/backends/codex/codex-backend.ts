/** The codex backend: each run is one turn of a Codex thread, through @openai/codex-sdk and the codex CLI. */
import { Codex, type Usage as CodexUsage, type ThreadEvent } from "@openai/codex-sdk";
import { type AgentEvent, isTerminalEvent } from "../../events/types.js";
import { assertNestingAllowed, childEnv } from "../child-env.js";
import { endRunProcesses } from "../process-tree.js";
import type { Backend, BackendRun, BackendRunSpec } from "../types.js";
import { turnInput } from "./input.js";
import { CodexEventMapper } from "./map-events.js";
import { codexOptions } from "./options.js";

const NO_USAGE: CodexUsage = {
  input_tokens: 0,
  cached_input_tokens: 0,
  cache_write_input_tokens: 0,
  output_tokens: 0,
  reasoning_output_tokens: 0,
};

export class CodexBackend implements Backend {
  readonly name = "codex";
  /** Cumulative usage per thread, so each turn reports its own figures (codex reports the thread's total). */
  private readonly threadUsage = new Map<string, CodexUsage>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  validateConfig(config: Record<string, unknown>): void {
    codexOptions(config, this.env);
  }

  cleanup(runId: string): Promise<void> {
    return endRunProcesses(runId);
  }

  start(spec: BackendRunSpec): BackendRun {
    assertNestingAllowed(this.env);
    const options = codexOptions(spec.backend_config, this.env);
    const codex = new Codex({
      env: childEnv(spec.run_id, this.env),
      ...(options.config ? { config: options.config } : {}),
      ...(options.configOverrides ? { configOverrides: options.configOverrides } : {}),
    });
    const threadOptions = { ...options.thread, workingDirectory: spec.cwd };
    const resumeId = spec.resume_backend_session_id;
    const thread = resumeId ? codex.resumeThread(resumeId, threadOptions) : codex.startThread(threadOptions);
    const abort = new AbortController();
    const stop = () => abort.abort();
    spec.signal.addEventListener("abort", stop, { once: true });
    let threadId = resumeId;
    const mapper = new CodexEventMapper({
      structured: spec.output_schema !== undefined,
      usageBefore: resumeId ? this.threadUsage.get(resumeId) : NO_USAGE,
      onThreadStarted: (id) => {
        threadId = id;
        spec.onBackendSession(id);
      },
      onUsage: (cumulative) => {
        if (threadId) this.threadUsage.set(threadId, { ...cumulative });
      },
      env: this.env,
    });

    async function* events(): AsyncGenerator<AgentEvent> {
      // The run's end is told only once codex and everything it started are gone.
      let end: AgentEvent | undefined;
      let failure: unknown;
      try {
        const turn = await thread.runStreamed(turnInput(spec), {
          ...(spec.output_schema ? { outputSchema: spec.output_schema } : {}),
          signal: abort.signal,
        });
        for await (const event of turn.events as AsyncGenerator<ThreadEvent>) {
          for (const mapped of mapper.map(event)) {
            if (isTerminalEvent(mapped.type)) end ??= mapped;
            else yield mapped;
          }
          // codex would retry what cannot succeed (a refused key) for minutes: end the turn now.
          if (mapper.hopeless) break;
        }
      } catch (error) {
        failure = error;
      } finally {
        spec.signal.removeEventListener("abort", stop);
        await endRunProcesses(spec.run_id);
      }
      // After turn.failed the SDK also throws (non-zero exit): the CLI's own message in turn.failed is the clearer.
      if (end) yield end;
      else if (failure) throw failure;
    }

    return {
      events: events(),
      cancel: async () => {
        abort.abort();
        await endRunProcesses(spec.run_id);
      },
    };
  }
}
