/** One short line of text for an event, a run status or a pending input, as the demo shows them. */

/** An event as poll_events returns it (the fields the demo reads). */
export interface DemoEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/** The event's gist: what the agent said, the command it ran and how it ended, the files it changed, ... */
export function describeEvent(event: DemoEvent): string {
  const d = event.data;
  switch (event.type) {
    case "agent_message":
    case "reasoning":
      return str(d.text);
    case "command_started":
    case "command_updated":
      return str(d.command);
    case "command_finished": {
      const exit = typeof d.exit_code === "number" ? `exit ${d.exit_code}` : "ended";
      const output = str(d.stdout);
      return `${str(d.command)} → ${exit}${output ? `: ${output}` : ""}`;
    }
    case "file_changed":
      return Array.isArray(d.changes)
        ? d.changes.map((c) => (isRecord(c) ? `${str(c.kind)} ${str(c.path)}`.trim() : str(c))).join(", ")
        : "";
    case "tool_started":
    case "tool_finished":
      return str(d.tool);
    case "status_changed":
      return [str(d.status), str(d.reason)].filter(Boolean).join(": ");
    case "input_required":
    case "auth_required":
      return describePending(d);
    case "usage_updated":
      return tokens(d);
    case "artifact_added":
      return str(d.name ?? d.artifact_id);
    case "run_completed":
      return str(d.final_response);
    case "run_failed":
      return str(d.message);
    case "run_cancelled":
      return str(d.reason);
    default:
      return "";
  }
}

/** What a waiting run asks for: `permission: Bash touch REVIEWED.md`. */
export function describePending(pending: Record<string, unknown>): string {
  const input = isRecord(pending.input) ? pending.input : {};
  const detail = str(input.command ?? input.file_path ?? pending.text);
  return [str(pending.kind), [str(pending.tool), detail].filter(Boolean).join(" ")]
    .filter(Boolean)
    .join(": ");
}

/** Text on one line: whitespace runs (newlines included) become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function tokens(d: Record<string, unknown>): string {
  const parts = [
    typeof d.input_tokens === "number" ? `${d.input_tokens} in` : "",
    typeof d.output_tokens === "number" ? `${d.output_tokens} out` : "",
  ].filter(Boolean);
  return parts.length > 0 ? `${parts.join(", ")} tokens` : "";
}

function str(value: unknown): string {
  if (value === undefined || value === null) return "";
  return oneLine(typeof value === "string" ? value : JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
