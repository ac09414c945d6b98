/**
 * Run data made safe for a terminal. A run's text comes from an agent (or from whatever the agent read), so it can
 * hold escape sequences that retitle the terminal, move the cursor or clear lines, a `\r` or backspaces that
 * overwrite what was printed, C1 controls (U+009B is a one-character CSI on some terminals), or bidi controls that
 * reorder it (Trojan Source). Each of those is shown as a visible escape (`\r`, `\x1b`, `\u202e`), so what the
 * terminal shows is what the text says. Apply it to run data before our own colours wrap it.
 */
import { oneLine } from "./format.js";

/**
 * Colour (SGR) sequences are dropped rather than shown: they only colour text, and a command's coloured output
 * stays readable. Dropping them also drops concealed or invisible styles.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC and CSI is the point
const COLOUR = /(?:\x1b\[|\x9b)[0-9;:]*m/g;
/** Controls (C0, DEL, C1), invisible format characters (bidi, zero-width, tags) and the Unicode line separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
/** Kept as they are: line breaks and tabs move on without erasing; ZWNJ and ZWJ join letters and emoji. */
const KEPT = new Set(["\n", "\t", "\u200c", "\u200d"]);
const NAMED: Record<string, string> = { "\0": "\\0", "\b": "\\b", "\f": "\\f", "\r": "\\r", "\v": "\\v" };

const hex = (code: number, digits: number): string => code.toString(16).padStart(digits, "0");

function shown(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${hex(code, 2)}`;
  return code <= 0xffff ? `\\u${hex(code, 4)}` : `\\u{${hex(code, 1)}}`;
}

/** Multi-line text from a run, printable: line breaks and tabs stay (`\r\n` becomes `\n`), other controls show. */
export function safeText(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .replace(COLOUR, "")
    .replace(UNSAFE, (char) => (KEPT.has(char) ? char : shown(char)));
}

/** Run data for a one-line display (an event, a table cell): as safeText, with whitespace runs as one space. */
export const safeLine = (text: string): string => oneLine(safeText(text));

/** Characters JSON.stringify leaves raw that a terminal may act on or reorder: all are inside JSON strings. */
const JSON_UNSAFE = /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu;

/**
 * JSON text with those characters written as `\uXXXX` escapes: the same JSON value (it parses back to the exact
 * strings), but safe to show on a terminal and to split into lines anywhere.
 */
export function terminalJson(json: string): string {
  return json.replace(JSON_UNSAFE, (char) =>
    Array.from({ length: char.length }, (_, i) => `\\u${hex(char.charCodeAt(i), 4)}`).join(""),
  );
}
