/** The engine's public API: what callers (MCP tools, the CLI) ask and what they get back. */
import type { RunStatus, RunSummary } from "../core/run.js";
import type { RunEvent } from "../events/types.js";
import type { ArtifactPage } from "../store/artifacts.js";

export interface SpawnRequest {
  backend: string;
  role: string;
  prompt?: string;
  /** Checked by the engine (nulls inside mean absent), so any shape may be passed. */
  input_message?: unknown;
  cwd: string;
  session_mode?: "new" | "resume";
  session_id?: string;
  profile?: string;
  output_schema?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  backend_config?: Record<string, unknown>;
  /** Deadlines in seconds ({timeout_s?, idle_timeout_s?, input_timeout_s?}); checked by the engine. */
  limits?: unknown;
}

export interface SpawnResult {
  run_id: string;
  session_id: string;
  backend: string;
  role: string;
  status: RunStatus;
  previous_run_id?: string;
}

export interface PollRequest {
  run_id: string;
  after_seq?: number;
  limit?: number;
  wait_ms?: number;
  /** Ends a long-poll early (the client cancelled its request). */
  signal?: AbortSignal;
  /** Called about every `progressIntervalMs` (engine config) while a long-poll waits. */
  onWaiting?: (waitedMs: number, totalMs: number) => void;
}

export interface PollResult {
  run_id: string;
  status: RunStatus;
  events: RunEvent[];
  next_after_seq: number;
  has_more: boolean;
}

export interface ContinueRequest {
  run_id: string;
  prompt?: string;
  input_message?: unknown;
}

export interface ContinueResult {
  run_id: string;
  session_id: string;
  status: RunStatus;
  previous_run_id?: string;
}

export interface ListRequest {
  status?: RunStatus;
  backend?: string;
  role?: string;
  cwd?: string;
  session_id?: string;
  limit?: number;
  cursor?: string;
}

export interface ListResult {
  runs: RunSummary[];
  next_cursor?: string;
}

export interface ArtifactRequest {
  run_id: string;
  seq: number;
  field_path: string;
  offset?: number;
  limit?: number;
}

export interface ArtifactResult extends ArtifactPage {
  run_id: string;
  seq: number;
  field_path: string;
}
