/**
 * A run hosted by this process: the single writer of its events. Every event, whatever its source (backend,
 * cancel, continue, the engine itself), goes through `append`, which numbers it synchronously, moves big fields
 * to artifacts, writes the line, applies its effect on the status and wakes the pollers.
 */

import type { BackendRun } from "../backends/types.js";
import type { InputMessage, RunRecord, RunStatus } from "../core/run.js";
import { isTerminal } from "../core/run.js";
import { sanitizeEventData } from "../events/sanitize.js";
import type { EventData, EventType, RunEvent } from "../events/types.js";
import { isTerminalEvent } from "../events/types.js";
import { writeArtifacts } from "../store/artifacts.js";
import { EventLogWriter } from "../store/event-log.js";
import { eventsFile, runDir } from "../store/paths.js";
import { writeRunResult } from "../store/run-files.js";
import type { EngineConfig } from "./config.js";
import { canTransition } from "./run-state.js";

const SUMMARY_CHARS = 280;

/** What the handle needs from the engine around it. */
export interface RunHandleHooks {
  /** Persist the record (run.json and the catalog) after a status change. */
  persist(record: RunRecord): void;
  /** An event was appended: wake the pollers of this run. */
  appended(runId: string): void;
  /** The run reached its terminal event. */
  finished(handle: RunHandle): void;
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
  cancelRequested = false;
  /** Resolves once the backend's stream has ended (or never started). */
  readonly streamEnded: Promise<void>;
  private endStream!: () => void;
  private readonly writer: EventLogWriter;
  private readonly dir: string;
  private lastAgentText?: string;

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

  markStreamEnded(): void {
    this.endStream();
  }

  /** Appends one event; returns undefined when the run is already terminal (nothing follows the end). */
  append(type: EventType, data: EventData): RunEvent | undefined {
    if (this.terminal) return undefined;
    const seq = this.writer.lastSeq + 1;
    const sanitized = sanitizeEventData(data, this.config.limits);
    if (sanitized.extracted.length > 0) writeArtifacts(this.dir, seq, type, sanitized.extracted);
    const event: RunEvent = {
      seq,
      ts: new Date().toISOString(),
      run_id: this.record.run_id,
      session_id: this.record.session_id,
      backend: this.record.backend,
      type,
      data: sanitized.data,
    };
    this.writer.append(event);
    this.record.last_seq = seq;
    this.record.updated_at = event.ts;
    this.apply(event, data);
    this.hooks.appended(this.record.run_id);
    return event;
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
          this.hooks.persist(record);
        }
        return;
      }
      case "input_required":
      case "auth_required":
        if (this.move(event.type)) {
          record.pending_input = { ...event.data, kind: String(event.data.kind ?? event.type) };
          this.hooks.persist(record);
        }
        return;
      case "run_completed": {
        const result = {
          final_response: typeof raw.final_response === "string" ? raw.final_response : this.finalText,
          ...(raw.structured_output !== undefined ? { structured_output: raw.structured_output } : {}),
          ...(raw.usage !== undefined ? { usage: raw.usage as Record<string, unknown> } : {}),
        };
        writeRunResult(record.cwd, record.run_id, result);
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

  /**
   * Ends the run when even its terminal event cannot be written (the disk refuses): the record says why, as far
   * as it can be saved, and the slot is freed so the server and its other runs go on.
   */
  abandon(message: string): void {
    if (this.terminal) return;
    const now = new Date().toISOString();
    this.record.status = "failed";
    this.record.error = { code: "store_error", message };
    this.record.completed_at = now;
    this.record.updated_at = now;
    delete this.record.pending_input;
    this.writer.close();
    try {
      this.hooks.persist(this.record);
    } catch {
      // The record stays failed in memory; recovery reconciles the files once the disk works again.
    }
    this.hooks.appended(this.record.run_id);
    this.hooks.finished(this);
  }

  private finish(status: RunStatus, event: RunEvent): void {
    this.record.status = status;
    this.record.completed_at = event.ts;
    delete this.record.pending_input;
    this.writer.close();
    this.hooks.persist(this.record);
    this.hooks.finished(this);
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
