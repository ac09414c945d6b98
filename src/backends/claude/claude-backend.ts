/** The claude_code backend: each run is one Claude Code query, through @anthropic-ai/claude-agent-sdk. */
import { query } from "@anthropic-ai/claude-agent-sdk";
import { settlesWithin } from "../../core/within.js";
import { type AgentEvent, isTerminalEvent } from "../../events/types.js";
import { assertNestingAllowed, childEnv } from "../child-env.js";
import { EventChannel } from "../event-channel.js";
import { endRunProcesses } from "../process-tree.js";
import type { Backend, BackendRun, BackendRunSpec } from "../types.js";
import { ClaudeMessageMapper } from "./map-messages.js";
import { claudeConfig, disallowedTools } from "./options.js";
import { PermissionBridge } from "./permission-bridge.js";
import { promptText } from "./prompt.js";

const STDERR_TAIL = 4_000;
/**
 * interrupt() settles in ~0.1 s when the turn is idle, but not at all while a tool runs or the model stream
 * hangs; past this the run's processes are ended outright. MCP hosts SIGKILL a server ~2 s after closing its
 * stdin, so the whole stop has to fit well inside that.
 */
const INTERRUPT_GRACE_MS = 300;

export class ClaudeBackend implements Backend {
  readonly name = "claude_code";

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  validateConfig(config: Record<string, unknown>): void {
    claudeConfig(config, this.env);
  }

  cleanup(runId: string): Promise<void> {
    return endRunProcesses(runId);
  }

  start(spec: BackendRunSpec): BackendRun {
    assertNestingAllowed(this.env);
    const config = claudeConfig(spec.backend_config, this.env);
    const channel = new EventChannel<AgentEvent>();
    const bridge = new PermissionBridge(config.on_permission, (event) => channel.push(event));
    const abort = new AbortController();
    const bypass = config.permission_mode === "bypassPermissions";
    const env = childEnv(spec.run_id, this.env);
    // Claude Code refuses bypassPermissions as root unless told it runs in a sandbox.
    if (bypass && process.getuid?.() === 0) env.IS_SANDBOX = "1";
    let stderr = "";
    const mapper = new ClaudeMessageMapper({
      structured: spec.output_schema !== undefined,
      onSession: (id) => spec.onBackendSession(id),
    });
    const messages = query({
      prompt: promptText(spec),
      options: {
        cwd: spec.cwd,
        env,
        abortController: abort,
        permissionMode: config.permission_mode,
        ...(bypass ? { allowDangerouslySkipPermissions: true } : {}),
        settingSources: config.setting_sources,
        canUseTool: bridge.canUseTool,
        stderr: (data) => {
          stderr = (stderr + data).slice(-STDERR_TAIL);
        },
        ...(spec.resume_backend_session_id ? { resume: spec.resume_backend_session_id } : {}),
        ...(config.model ? { model: config.model } : {}),
        ...(config.allowed_tools ? { allowedTools: config.allowed_tools } : {}),
        disallowedTools: disallowedTools(config),
        ...(config.max_turns ? { maxTurns: config.max_turns } : {}),
        ...(config.max_budget_usd ? { maxBudgetUsd: config.max_budget_usd } : {}),
        ...(spec.output_schema ? { outputFormat: { type: "json_schema", schema: spec.output_schema } } : {}),
        ...(spec.profile_text
          ? { systemPrompt: { type: "preset", preset: "claude_code", append: spec.profile_text } }
          : {}),
      },
    });

    // One way to stop, whoever asks (cancel, the engine's signal): interrupt() ends the turn in ~0.1 s when it
    // can (it rejects once the query is closed), abort() alone makes the SDK wait 2 s before it signals the
    // CLI, so the run's processes are ended outright right after.
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        bridge.cancelAll();
        const interrupted = Promise.resolve().then(() => messages.interrupt());
        await settlesWithin(interrupted, INTERRUPT_GRACE_MS).catch(() => false);
        abort.abort();
        await endRunProcesses(spec.run_id);
      })());
    const onAbort = () => void stop();
    if (spec.signal.aborted) onAbort();
    else spec.signal.addEventListener("abort", onAbort, { once: true });

    // The SDK's messages and the permission bridge's requests meet in one channel; the end is told last,
    // once Claude Code and everything it started are gone.
    void (async () => {
      let end: AgentEvent | undefined;
      let failure: unknown;
      try {
        for await (const message of messages) {
          for (const event of mapper.map(message)) {
            if (isTerminalEvent(event.type)) end ??= event;
            else channel.push(event);
          }
        }
      } catch (error) {
        failure = error;
      } finally {
        spec.signal.removeEventListener("abort", onAbort);
        bridge.cancelAll();
        await endRunProcesses(spec.run_id);
      }
      if (end) channel.push(end);
      else if (failure !== undefined) {
        const detail = stderr.trim() ? `\n${stderr.trim()}` : "";
        channel.close(new Error(`${(failure as Error)?.message ?? String(failure)}${detail}`));
        return;
      }
      channel.close();
    })();

    return {
      events: channel,
      cancel: stop,
      sendInput: async (message) => bridge.answer(message),
    };
  }
}
