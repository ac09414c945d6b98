/** The run record and the values that describe a run, shared by every layer. */

export const RUN_STATUSES = [
  "queued",
  "running",
  "input_required",
  "auth_required",
  "completed",
  "failed",
  "cancelled",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: readonly RunStatus[] = ["completed", "failed", "cancelled"];
export const isTerminal = (status: RunStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Names a caller may pass as `backend`; a server only runs those it has registered. */
export const BACKEND_NAMES = ["codex", "claude_code", "remote_a2a"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export type InputPart =
  | { type: "text"; text: string }
  | { type: "data"; data: unknown }
  | { type: "file"; uri?: string; bytes_base64?: string; mime_type?: string; name?: string };

export interface InputMessage {
  role?: "user";
  parts: InputPart[];
}

export interface Usage {
  input_tokens?: number;
  cached_input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
  turns?: number;
  duration_ms?: number;
  [key: string]: unknown;
}

export interface RunResult {
  final_response: string;
  structured_output?: unknown;
  usage?: Usage;
}

export interface RunError {
  code: string;
  message: string;
}

/** What a waiting run asks for: `text`, and for a permission request `tool` and `input`. */
export type PendingInput = { kind: string; text?: string; [key: string]: unknown };

/** The process that hosts a live run: pid plus its start time, so a reused pid is not mistaken for it. */
export interface HostProcess {
  pid: number;
  start_time: string;
}

/** What a caller sees of a run (get_run, list_runs). */
export interface RunSummary {
  run_id: string;
  session_id: string;
  backend: string;
  role: string;
  status: RunStatus;
  cwd: string;
  created_at: string;
  updated_at: string;
  completed_at?: string;
  last_seq: number;
  previous_run_id?: string;
  summary?: string;
  result?: RunResult;
  error?: RunError;
  pending_input?: PendingInput;
  metadata?: Record<string, unknown>;
}

/** How long a run may take, in seconds; 0 means no limit. A follow-up run in the session inherits them. */
export interface RunLimits {
  /** Wall time from the moment the run starts (gets its slot) to its end. */
  timeout_s: number;
  /** Longest silence: no event from the agent while it runs. */
  idle_timeout_s: number;
  /** Longest wait for an answer while the run is input_required or auth_required. */
  input_timeout_s: number;
}

export const LIMIT_NAMES = ["timeout_s", "idle_timeout_s", "input_timeout_s"] as const;

/** What a run was started with, kept so a follow-up run in its session can start the same way. */
export interface RunSpecRecord {
  limits?: RunLimits;
  profile?: string;
  output_schema?: Record<string, unknown>;
  /** Secrets (tokens, headers) are replaced by a redaction marker before this is stored. */
  backend_config?: Record<string, unknown>;
}

/** A finished run's event log as the server wrote it: checked before the log is served again. */
export interface LogSeal {
  bytes: number;
  sha256: string;
}

/** run.json: the summary plus what the engine needs to own, continue or recover the run. */
export interface RunRecord extends RunSummary {
  host: HostProcess;
  spec: RunSpecRecord;
  /** Set when the run ends. */
  log?: LogSeal;
}

/** The caller's view of a stored record. */
export function toSummary(record: RunRecord): RunSummary {
  const { host: _host, spec: _spec, log: _log, ...summary } = record;
  return summary;
}

/** sessions/<session_id>.json: maps our session to the backend's conversation. */
export interface SessionRecord {
  session_id: string;
  backend: string;
  cwd: string;
  backend_session_id?: string;
  created_at: string;
  updated_at: string;
  run_ids: string[];
}
