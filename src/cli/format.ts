/** Small text helpers for human output: ages, one-line excerpts, paths and aligned columns. */
import { homedir } from "node:os";
import { stripVTControlCharacters } from "node:util";

/** How long ago `iso` was, in the largest whole unit: `42s`, `5m`, `3h`, `2d`. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** The time of day of an ISO timestamp, local: `14:03:27`. */
export function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toTimeString().slice(0, 8);
}

/** Whitespace runs (newlines included) become one space, so a text fits a single line. */
export const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

/** Cuts `text` to `width` characters, marking the cut with an ellipsis. */
export function clip(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join("") : `${chars.slice(0, width - 1).join("")}…`;
}

/** A path with the home directory shown as `~`. */
export function tildePath(path: string, home = homedir()): string {
  return home && home !== "/" && (path === home || path.startsWith(`${home}/`))
    ? `~${path.slice(home.length)}`
    : path;
}

/** A byte count for people: `812 B`, `4.2 KiB`, `50.0 MiB`. */
export function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / 1024 / 1024).toFixed(1)} MiB`;
}

/** The visible width of a string, ignoring colour escapes. */
const visible = (text: string): number => [...stripVTControlCharacters(text)].length;

const MIN_LAST_WIDTH = 10;

/**
 * Left-aligned columns separated by two spaces. The last column is not padded, and is clipped so a line fits
 * `maxWidth` (it should hold plain text: the summary, not a coloured cell).
 */
export function columns(rows: string[][], maxWidth = Number.POSITIVE_INFINITY): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visible(cell));
    });
  }
  return rows.map((row) => {
    const cells = row.slice(0, -1).map((cell, i) => cell + " ".repeat((widths[i] ?? 0) - visible(cell)));
    const start = cells.reduce((sum, cell) => sum + visible(cell) + 2, 0);
    const last = row.at(-1) ?? "";
    const room = maxWidth - start;
    // With too little room left, clipping would leave nothing readable: the line wraps instead.
    return [...cells, room >= MIN_LAST_WIDTH && room < visible(last) ? clip(last, room) : last]
      .join("  ")
      .trimEnd();
  });
}
