/** Writing to the terminal: colours only on a terminal that wants them, and writes that respect backpressure. */
import { styleText } from "node:util";
import { terminalJson } from "./terminal-safe.js";

type Style = Parameters<typeof styleText>[0];

/** Colour on a TTY unless NO_COLOR is set (https://no-color.org); FORCE_COLOR turns it on anywhere. */
export function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && (stream.hasColors?.() ?? false);
}

/** A painter bound to one stream: `paint("red", text)` colours only when that stream shows colours. */
export type Paint = (style: Style, text: string) => string;

export function painter(stream: NodeJS.WriteStream): Paint {
  const on = wantsColor(stream);
  // The decision is ours (it depends on the stream written to), so styleText must not re-check stdout.
  return (style, text) => (on && text !== "" ? styleText(style, text, { validateStream: false }) : text);
}

/** Writes and waits while the stream is full, so a large output neither piles up in memory nor is cut off. */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(text, (error) => {
      if (error) reject(error);
    });
    if (ok) resolve();
    else stream.once("drain", resolve);
  });
}

/** Resolves once everything written to the stream so far has been handed to the system. */
export function flush(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/** JSON output is the exact value; characters a terminal could act on (C1, bidi, U+2028) are `\uXXXX` escapes. */
export const printJson = (value: unknown): Promise<void> =>
  write(process.stdout, `${terminalJson(JSON.stringify(value, null, 2))}\n`);

export const printJsonLine = (value: unknown): Promise<void> =>
  write(process.stdout, `${terminalJson(JSON.stringify(value))}\n`);
