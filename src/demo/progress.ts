/**
 * The demo's live view. On a terminal: one line per run, redrawn in place (status, event count, last event),
 * with a spinner while a run goes on. Anywhere else (a pipe, a CI log): one appended line per event and per
 * status change, so the log reads as it happened.
 */
import { type DemoEvent, describeEvent, oneLine } from "./describe.js";

export interface ProgressRow {
  label: string;
  backend: string;
}

interface RowState extends ProgressRow {
  status: string;
  events: number;
  last: string;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const ENDED = ["completed", "failed", "cancelled"];
/** Longest line of the log view. */
const LOG_CHARS = 200;

export class Progress {
  private readonly rows: RowState[];
  private readonly tty: boolean;
  private readonly started = Date.now();
  private frame = 0;
  private drawn = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly labelWidth: number;
  private readonly backendWidth: number;

  constructor(
    private readonly out: NodeJS.WritableStream,
    rows: ProgressRow[],
  ) {
    this.rows = rows.map((r) => ({ ...r, status: "queued", events: 0, last: "" }));
    this.tty = isTty(out);
    this.labelWidth = Math.max(...rows.map((r) => r.label.length));
    this.backendWidth = Math.max(...rows.map((r) => r.backend.length));
  }

  /** Draws the rows (on a terminal) and keeps the spinners turning until `stop()`. */
  start(): void {
    if (!this.tty) return;
    this.draw();
    this.timer = setInterval(() => {
      this.frame++;
      this.draw();
    }, 100);
    this.timer.unref();
  }

  event(index: number, event: DemoEvent): void {
    const row = this.row(index);
    row.events = Math.max(row.events, event.seq);
    const text = describeEvent(event);
    row.last = text ? `${event.type}: ${text}` : event.type;
    if (this.tty) this.draw();
    else this.line(row, `#${event.seq} ${row.last}`);
  }

  status(index: number, status: string): void {
    const row = this.row(index);
    if (row.status === status) return;
    row.status = status;
    // A log has the events that changed the status already.
    if (this.tty) this.draw();
  }

  /** Something the top-level agent did about a run (answered its question, cancelled it). */
  note(index: number, text: string): void {
    const row = this.row(index);
    row.last = text;
    if (this.tty) this.draw();
    else this.line(row, text);
  }

  /** Stops the spinners and leaves the rows as they last were. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.draw();
  }

  private row(index: number): RowState {
    const row = this.rows[index];
    if (!row) throw new Error(`no progress row ${index}`);
    return row;
  }

  private line(row: RowState, text: string): void {
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1).padStart(5);
    const line = oneLine(text);
    const cut = line.length > LOG_CHARS ? `${line.slice(0, LOG_CHARS)}…` : line;
    this.out.write(`[${elapsed}s] ${row.label.padEnd(this.labelWidth)}  ${cut}\n`);
  }

  private draw(): void {
    const width = columns(this.out);
    let text = this.drawn ? `\x1b[${this.rows.length}A` : "";
    for (const row of this.rows) text += `\r\x1b[2K${this.render(row, width)}\n`;
    this.drawn = true;
    this.out.write(text);
  }

  private render(row: RowState, width: number): string {
    const mark = ENDED.includes(row.status)
      ? row.status === "completed"
        ? "✔"
        : "✘"
      : SPINNER[this.frame % SPINNER.length];
    const head = `${mark} ${row.label.padEnd(this.labelWidth)}  ${row.backend.padEnd(this.backendWidth)}  ${row.status.padEnd(14)} ${String(row.events).padStart(3)} events  `;
    // A line that wraps would break the cursor moves: cut it to the terminal's width.
    const rest = oneLine(row.last).slice(0, Math.max(0, width - head.length - 1));
    return `${paint(row.status, head)}${rest}`;
  }
}

function isTty(out: NodeJS.WritableStream): boolean {
  return (out as { isTTY?: boolean }).isTTY === true;
}

function columns(out: NodeJS.WritableStream): number {
  const c = (out as { columns?: number }).columns;
  return typeof c === "number" && c > 20 ? c : 100;
}

/** The status's colour: green when done, red when it went wrong, yellow while it waits on us. */
function paint(status: string, text: string): string {
  const code =
    status === "completed"
      ? 32
      : status === "failed" || status === "cancelled"
        ? 31
        : status === "input_required" || status === "auth_required"
          ? 33
          : 36;
  return `\x1b[${code}m${text}\x1b[0m`;
}
