/** One readable line per event: time, seq, type, and the text that matters for that type. */
import type { EventType, RunEvent } from "../events/types.js";
import { bytes, clip, clock, tildePath } from "./format.js";
import type { Paint } from "./output.js";
import { safeLine } from "./terminal-safe.js";

const TYPE_WIDTH = 16;
/** Longest line when the output is not a terminal (a terminal clips to its width). */
const PLAIN_WIDTH = 400;

/** Every part taken from the event is made terminal-safe (it is the agent's text) before our colours wrap it. */
export function eventLine(event: RunEvent, paint: Paint, width = PLAIN_WIDTH): string {
  const where = `${safeLine(clock(event.ts))} ${safeLine(`#${event.seq}`).padStart(5)}`;
  const type = safeLine(event.type).padEnd(TYPE_WIDTH);
  const refs = artifactNote(event.data.artifact_refs);
  const room = Math.max(width - where.length - type.length - 2 - [...refs].length, 20);
  const text = clip(safeLine(describe(event)), room);
  return `${paint("dim", where)} ${paint(typeStyle(event.type), type)} ${text}${paint("dim", refs)}`;
}

function typeStyle(type: EventType): Parameters<Paint>[0] {
  switch (type) {
    case "run_completed":
      return "green";
    case "run_failed":
      return "red";
    case "run_cancelled":
    case "reasoning":
    case "usage_updated":
      return "gray";
    case "input_required":
    case "auth_required":
      return ["yellow", "bold"];
    case "command_started":
    case "command_updated":
    case "command_finished":
      return "cyan";
    case "file_changed":
      return "magenta";
    case "agent_message":
      return "bold";
    default:
      return "blue";
  }
}

const str = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : value === undefined || value === null
      ? undefined
      : JSON.stringify(value);

/** The key text of an event, by type. */
export function describe(event: RunEvent): string {
  const d = event.data;
  switch (event.type) {
    case "run_started": {
      const input = str(d.prompt) ?? str(d.input_message) ?? "";
      const from = d.previous_run_id ? `, after ${str(d.previous_run_id)}` : "";
      return `${str(d.role)} in ${tildePath(str(d.cwd) ?? "?")} (${str(d.session_mode)} session${from}): ${input}`;
    }
    case "status_changed":
      return [
        str(d.status),
        d.reason ? `(${str(d.reason)})` : "",
        d.remote_state ? `remote ${str(d.remote_state)}` : "",
        d.warning ? `warning: ${str(d.warning)}` : "",
        d.message ? str(d.message) : "",
      ]
        .filter(Boolean)
        .join(" ");
    case "agent_message":
    case "reasoning":
      return str(d.text) ?? "";
    case "command_started":
    case "command_updated":
      return `$ ${str(d.command)}`;
    case "command_finished":
      return `$ ${str(d.command)} → exit ${d.exit_code ?? "?"}${outputNote(d)}`;
    case "file_changed":
      return fileChanges(d.changes);
    case "tool_started":
      return `${str(d.tool)}${d.input === undefined ? "" : ` ${str(d.input)}`}`;
    case "tool_finished":
      return `${str(d.tool)} ${d.is_error ? "error" : "ok"}${d.output === undefined ? "" : `: ${str(d.output)}`}`;
    case "todo_updated":
      return todos(d.items);
    case "artifact_added":
      return `${str(d.name) ?? str(d.artifact_id)} (${Array.isArray(d.parts) ? d.parts.length : 0} parts)`;
    case "usage_updated":
      return usage(d);
    case "input_required":
    case "auth_required":
      return [
        `${str(d.kind)}:`,
        str(d.text) ?? "",
        d.tool ? `[${str(d.tool)}${d.input === undefined ? "" : ` ${str(d.input)}`}]` : "",
      ]
        .filter(Boolean)
        .join(" ");
    case "run_completed":
      return str(d.final_response) ?? "";
    case "run_failed":
      return `${str(d.code) ?? "error"}: ${str(d.message)}`;
    case "run_cancelled":
      return `${str(d.reason)}${d.warning ? ` (${str(d.warning)})` : ""}`;
    default:
      return JSON.stringify(d);
  }
}

/** How much output a command gave; a field moved to an artifact is counted by the artifact note instead. */
function outputNote(d: Record<string, unknown>): string {
  const moved = new Set(
    Array.isArray(d.artifact_refs)
      ? d.artifact_refs.map((r) => (r as { field_path?: unknown })?.field_path)
      : [],
  );
  const lines = (field: string) => {
    const text = d[field];
    return typeof text === "string" && text !== "" && !moved.has(`/${field}`) ? text.split("\n").length : 0;
  };
  const out = lines("stdout");
  const err = lines("stderr");
  const parts = [
    out ? `${out} line${out === 1 ? "" : "s"} of output` : "",
    err ? `${err} of stderr` : "",
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function fileChanges(changes: unknown): string {
  if (!Array.isArray(changes)) return "";
  return changes
    .map((change) => {
      const c = (change ?? {}) as { path?: unknown; kind?: unknown };
      return `${str(c.kind) ?? "change"} ${str(c.path) ?? "?"}`;
    })
    .join(", ");
}

function todos(items: unknown): string {
  if (!Array.isArray(items)) return "";
  const list = items.map((item) => (item ?? {}) as Record<string, unknown>);
  const done = list.filter((i) => i.completed === true || i.status === "completed").length;
  const current = list.find((i) => i.status === "in_progress") ?? list.find((i) => i.completed === false);
  const text = current ? str(current.activeForm ?? current.content ?? current.text) : undefined;
  return `${done}/${list.length} done${text ? `: ${text}` : ""}`;
}

function usage(d: Record<string, unknown>): string {
  const n = (key: string) => (typeof d[key] === "number" ? (d[key] as number) : undefined);
  const parts = [
    n("input_tokens") === undefined
      ? ""
      : `in ${n("input_tokens")}${n("cached_input_tokens") ? ` (cached ${n("cached_input_tokens")})` : ""}`,
    n("output_tokens") === undefined ? "" : `out ${n("output_tokens")}`,
    n("cost_usd") === undefined ? "" : `$${n("cost_usd")?.toFixed(4)}`,
    n("turns") === undefined ? "" : `${n("turns")} turns`,
    n("duration_ms") === undefined ? "" : `${((n("duration_ms") ?? 0) / 1000).toFixed(1)} s`,
  ];
  return parts.filter(Boolean).join(" · ") || JSON.stringify(d);
}

function artifactNote(refs: unknown): string {
  if (!Array.isArray(refs) || refs.length === 0) return "";
  const each = refs.map((ref) => {
    const r = (ref ?? {}) as { field_path?: unknown; total_bytes?: unknown };
    return safeLine(
      `${str(r.field_path) || "(data)"} ${typeof r.total_bytes === "number" ? bytes(r.total_bytes) : ""}`,
    );
  });
  return ` [artifact: ${each.join(", ")}]`;
}
