/** The backend interface: what the engine needs from Codex, Claude Code or a remote agent. */
import type { InputMessage } from "../core/run.js";
import type { AgentEvent } from "../events/types.js";

/** Everything a backend needs to run one turn; it knows nothing of seq, files or MCP. */
export interface BackendRunSpec {
  run_id: string;
  session_id: string;
  cwd: string;
  role: string;
  prompt?: string;
  input_message?: InputMessage;
  /** Text of the persona file, already read. */
  profile_text?: string;
  output_schema?: Record<string, unknown>;
  backend_config: Record<string, unknown>;
  /** The backend's own conversation id when resuming (Codex thread, Claude session, A2A contextId). */
  resume_backend_session_id?: string;
  signal: AbortSignal;
  /** Called once the backend knows its conversation id, so a later run can resume it. */
  onBackendSession(backendSessionId: string): void;
}

/** A started turn: its events, and the controls the backend offers. */
export interface BackendRun {
  events: AsyncIterable<AgentEvent>;
  /** Stop the turn and every process it started. */
  cancel(): Promise<void>;
  /** Answer an `input_required`/`auth_required` request; absent when the backend cannot take input mid-run. */
  sendInput?(message: InputMessage): Promise<void>;
}

export interface Backend {
  readonly name: string;
  /** Throws OrchestratorError("invalid_input") naming the field when `backend_config` is wrong. */
  validateConfig?(config: Record<string, unknown>): void;
  start(spec: BackendRunSpec): BackendRun;
  /** Ends whatever a run left running when the server hosting it died (called by start-up recovery). */
  cleanup?(runId: string): Promise<void>;
}
