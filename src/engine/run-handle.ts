/**
 * A run hosted by this process: the single writer of its events. Every event, whatever its source (backend,
 * cancel, continue, the engine itself), goes through `append`, which numbers it synchronously, moves big fields
 * to artifacts, writes the line, applies its effect on the status and wakes the pollers.
 */

import type { BackendRun } from "../backends/types.js";
import type { OrchestratorError } from "../core/errors.js";
import type { InputMessage, PendingInput, RunRecord, RunStatus } from "../core/run.js";
import { isTerminal } from "../core/run.js";
import { sanitizeEventData } from "../events/sanitize.js";
import type { ArtifactRef, EventData, EventType, RunEvent } from "../events/types.js";
import { isTerminalEvent } from "../events/types.js";
import { type FieldDigest, writeArtifacts } from "../store/artifacts.js";
import { EventLogWriter } from "../store/event-log.js";
import { eventsFile, runDir } from "../store/paths.js";
import { writeRunResult } from "../store/run-files.js";
import { storeFailure } from "../store/store-error.js";
import type { EngineConfig } from "./config.js";
import { canTransition } from "./run-state.js";

const SUMMARY_CHARS = 280;

/** What the handle needs from the engine around it. */
export interface RunHandleHooks {
  /** Persist the record (run.json and the catalog) after a status change; throws when the store refuses. */
  persist(record: RunRecord): void;
  /** An event was appended: wake the pollers of this run. */
  appended(runId: string, event?: RunEvent): void;
  /** The run ended: its terminal event is written, or the store refused it and `repair` will retry. */
  finished(handle: RunHandle): void;
}

/** An answer to a waiting run, kept in memory until the run has a slot to take it in. */
export interface Answer {
  message: InputMessage;
  waitingFor: "input_required" | "auth_required";
  pending?: PendingInput;
}

/** What a run was asked to do: kept in memory only (it may hold secrets). */
export interface RunInput {
  prompt?: string;
  input_message?: InputMessage;
  profile_text?: string;
  output_schema?: Record<string, unknown>;
  backend_config: Record<string, unknown>;
  /** The run continues its session's backend conversation. */
  resume: boolean;
}

export class RunHandle {
  readonly abort = new AbortController();
  backendRun?: BackendRun;
  /** Set once the run is being stopped (cancel, deadline, shutdown): the backend's own ending is then ignored. */
  cancelRequested = false;
  /** The stop under way, which a second stop joins (see Supervisor). */
  stopping?: Promise<void>;
  /** An answer that came while the run, parked for input, had no slot: delivered when it gets one. */
  queuedAnswer?: Answer;
  /** Resolves once the backend's stream has ended (or never started). */
  readonly streamEnded: Promise<void>;
  private endStream!: () => void;
  private readonly writer: EventLogWriter;
  private readonly dir: string;
  private lastAgentText?: string;
  /** The terminal event the store refused to take: `repair` writes it once the disk does. */
  private unwrittenEnd?: EventData;
  /** False while the run's final state lives only in memory because the store refused it. */
  private saved = true;

  constructor(
    readonly record: RunRecord,
    readonly input: RunInput,
    private readonly config: EngineConfig,
    private readonly hooks: RunHandleHooks,
  ) {
    this.dir = runDir(record.cwd, record.run_id);
    this.writer = EventLogWriter.open(eventsFile(record.cwd, record.run_id));
    this.streamEnded = new Promise((resolve) => {
      this.endStream = resolve;
    });
  }

  get runId(): string {
    return this.record.run_id;
  }

  get sessionId(): string {
    return this.record.session_id;
  }

  get status(): RunStatus {
    return this.record.status;
  }

  get terminal(): boolean {
    return isTerminal(this.record.status);
  }

  get finalText(): string {
    return this.lastAgentText ?? "";
  }

  /** The run has ended but the store has not taken all of it yet. */
  get stranded(): boolean {
    return !this.saved;
  }

  markStreamEnded(): void {
    this.endStream();
  }

  /**
   * Appends one event; returns undefined when the run is already terminal (nothing follows the end). When the
   * store refuses the event, the run fails (see `storeRefused`) and the store_error is thrown.
   */
  append(type: EventType, data: EventData): RunEvent | undefined {
    if (this.terminal) return undefined;
    const seq = this.writer.lastSeq + 1;
    const sanitized = sanitizeEventData(data, this.config.limits);
    const event = this.event(seq, type, sanitized.data);
    try {
      // Everything an event points to is on disk before the event itself.
      if (sanitized.extracted.length > 0) {
        const digests = writeArtifacts(this.dir, seq, type, sanitized.extracted);
        recordDigests(sanitized.data.artifact_refs as ArtifactRef[], digests);
      }
      if (type === "run_completed") writeRunResult(this.record.cwd, this.record.run_id, this.result(data));
      this.writer.append(event);
    } catch (error) {
      throw this.storeRefused(`event ${seq} (${type})`, error);
    }
    this.record.last_seq = seq;
    this.record.updated_at = event.ts;
    try {
      this.apply(event, data);
    } finally {
      this.hooks.appended(this.record.run_id, event);
    }
    return event;
  }

  /**
   * The store refused a write: the run fails at once with a store_error naming what could not be written and
   * why, its backend is told to stop, and its slot is freed, so the server and its other runs go on. What the
   * disk did not take waits in memory for `repair`. Returns the error for the caller to throw.
   */
  storeRefused(what: string, error: unknown): OrchestratorError {
    const failure = storeFailure(
      `run ${this.runId}: the store could not record ${what} in ${this.dir}`,
      error,
    );
    if (this.terminal) return failure;
    this.abort.abort();
    this.backendRun?.cancel().catch(() => undefined);
    const now = new Date().toISOString();
    this.record.status = "failed";
    this.record.error = { code: "store_error", message: failure.message };
    this.record.completed_at = now;
    this.record.updated_at = now;
    delete this.record.pending_input;
    this.unwrittenEnd = { code: "store_error", message: failure.message };
    this.saved = false;
    this.repair();
    this.hooks.appended(this.runId);
    this.hooks.finished(this);
    return failure;
  }

  /** Writes what the store refused earlier: the terminal event, then the record. True once all of it is saved. */
  repair(): boolean {
    if (this.saved) return true;
    try {
      if (this.unwrittenEnd) {
        const seq = this.writer.lastSeq + 1;
        this.writer.append(this.event(seq, "run_failed", this.unwrittenEnd));
        this.record.last_seq = seq;
        this.record.log = this.writer.seal();
        this.unwrittenEnd = undefined;
        this.writer.close();
      }
      this.hooks.persist(this.record);
      this.saved = true;
    } catch {
      return false;
    }
    return true;
  }

  private event(seq: number, type: EventType, data: EventData): RunEvent {
    return {
      seq,
      ts: new Date().toISOString(),
      run_id: this.record.run_id,
      session_id: this.record.session_id,
      backend: this.record.backend,
      type,
      data,
    };
  }

  private result(raw: EventData) {
    return {
      final_response: typeof raw.final_response === "string" ? raw.final_response : this.finalText,
      ...(raw.structured_output !== undefined ? { structured_output: raw.structured_output } : {}),
      ...(raw.usage !== undefined ? { usage: raw.usage as Record<string, unknown> } : {}),
    };
  }

  private save(): void {
    try {
      this.hooks.persist(this.record);
    } catch (error) {
      throw this.storeRefused("the run record", error);
    }
  }

  /** The effect of an event on the run record; `raw` is the unsanitized data for the result file. */
  private apply(event: RunEvent, raw: EventData): void {
    const record = this.record;
    switch (event.type) {
      case "agent_message":
        if (typeof raw.text === "string") {
          this.lastAgentText = raw.text;
          record.summary = preview(raw.text);
        }
        return;
      case "status_changed": {
        const to = event.data.status;
        if (typeof to === "string" && !isTerminal(to as RunStatus) && this.move(to as RunStatus)) {
          if (to !== "input_required" && to !== "auth_required") delete record.pending_input;
          this.save();
        }
        return;
      }
      case "input_required":
      case "auth_required":
        if (this.move(event.type)) {
          record.pending_input = { ...event.data, kind: String(event.data.kind ?? event.type) };
          this.save();
        }
        return;
      case "run_completed": {
        const result = this.result(raw);
        record.result =
          event.data.artifact_refs === undefined ? result : { ...result, ...resultPreview(event) };
        record.summary = preview(result.final_response) ?? record.summary;
        this.finish("completed", event);
        return;
      }
      case "run_failed":
        record.error = {
          code: typeof raw.code === "string" ? raw.code : "backend_error",
          message: String(event.data.message ?? "the run failed"),
        };
        this.finish("failed", event);
        return;
      case "run_cancelled":
        this.finish("cancelled", event);
        return;
      default:
        if (isTerminalEvent(event.type)) throw new Error(`unhandled terminal event ${event.type}`);
    }
  }

  private move(to: RunStatus): boolean {
    if (this.record.status === to) return false;
    if (!canTransition(this.record.status, to)) return false;
    this.record.status = to;
    return true;
  }

  private finish(status: RunStatus, event: RunEvent): void {
    this.record.status = status;
    this.record.completed_at = event.ts;
    delete this.record.pending_input;
    this.record.log = this.writer.seal();
    this.writer.close();
    try {
      this.hooks.persist(this.record);
    } catch {
      // The terminal event is on disk; the record catches up when `repair` succeeds, or at recovery.
      this.saved = false;
    }
    this.hooks.finished(this);
  }
}

/** Each ref names its value's sha256, so whoever pages it back (or reads the store later) can check it. */
function recordDigests(refs: ArtifactRef[], digests: FieldDigest[]): void {
  for (const digest of digests) {
    const ref = refs.find((r) => r.field_path === digest.field_path);
    if (ref) ref.sha256 = digest.sha256;
  }
}

function preview(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  return trimmed.length > SUMMARY_CHARS ? `${trimmed.slice(0, SUMMARY_CHARS - 1)}…` : trimmed;
}

/** A result too big for run.json keeps the previews of its event; the full one is in result.json. */
function resultPreview(event: RunEvent): Record<string, unknown> {
  const { final_response, structured_output } = event.data;
  return {
    final_response,
    ...(structured_output !== undefined ? { structured_output } : {}),
    artifact_refs: event.data.artifact_refs,
  };
}
