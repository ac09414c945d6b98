/** A one-line spinner on stderr while a command waits; silent when stderr is not a terminal. */
import { safeLine } from "./terminal-safe.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const INTERVAL_MS = 100;
/** A wait shorter than this shows nothing, so quick answers do not flicker. */
const DELAY_MS = 300;

export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private since = 0;
  private drawn = false;
  private text = "";

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Shows `text` with a turning wheel and the seconds waited; a running spinner just changes its text. */
  start(text: string): void {
    if (!this.enabled) return;
    // The text may name a status read from a run's files: only this class writes controls to the line.
    this.text = safeLine(text);
    if (this.timer) return;
    this.since = Date.now();
    this.timer = setInterval(() => this.draw(), INTERVAL_MS);
    this.timer.unref();
  }

  /** Clears the line, so what is printed next starts clean. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }

  private draw(): void {
    if (Date.now() - this.since < DELAY_MS) return;
    this.drawn = true;
    const seconds = Math.floor((Date.now() - this.since) / 1000);
    const wheel = FRAMES[this.frame++ % FRAMES.length];
    const line = `${wheel} ${this.text}${seconds > 0 ? ` (${seconds}s)` : ""}`;
    this.stream.write(`\r\x1b[K${line.slice(0, Math.max((this.stream.columns ?? 80) - 1, 10))}`);
  }
}
