/**
 * events.jsonl: one JSON event a line, appended by the run's single writer and read through a byte-offset
 * index, so a read after `after_seq` costs what it returns, not the length of the run.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, ftruncateSync, lstatSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { OrchestratorError } from "../core/errors.js";
import type { LogSeal } from "../core/run.js";
import type { RunEvent } from "../events/types.js";
import { hashPrefix, rememberSealed, sealOf } from "./log-seal.js";
import { ensureStoreDir, openForAppend, openForRead } from "./no-follow.js";

const NEWLINE = 0x0a;
const SCAN_BLOCK = 1 << 20;
const MAX_CACHED_INDEXES = 256;

/** Byte offsets of the complete lines of one log: line i holds seq i + 1. */
class LineIndex {
  readonly starts: number[] = [];
  /** Bytes covered by complete lines; a torn tail beyond this is ignored. */
  end = 0;
  /** True while a writer in this process appends: the index is then always current. */
  live = false;

  constructor(readonly path: string) {}

  get count(): number {
    return this.starts.length;
  }

  /** Extends the index over bytes another process appended since the last look. */
  refresh(): void {
    if (this.live) return;
    let size: number;
    try {
      size = lstatSync(this.path).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    if (size < this.end) this.reset();
    if (size > this.end) this.scan(size);
  }

  reset(): void {
    this.starts.length = 0;
    this.end = 0;
  }

  private scan(size: number): void {
    const fd = openForRead(this.path);
    try {
      const buffer = Buffer.allocUnsafe(Math.min(SCAN_BLOCK, size - this.end));
      let lineStart = this.end;
      let position = this.end;
      while (position < size) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
        if (read === 0) break;
        const chunk = buffer.subarray(0, read);
        for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
          this.starts.push(lineStart);
          lineStart = position + at + 1;
        }
        position += read;
      }
      this.end = lineStart;
    } finally {
      closeSync(fd);
    }
  }
}

const indexes = new Map<string, LineIndex>();

function indexFor(path: string): LineIndex {
  let index = indexes.get(path);
  if (index) {
    indexes.delete(path);
  } else {
    index = new LineIndex(path);
    if (indexes.size >= MAX_CACHED_INDEXES) evictOne();
  }
  indexes.set(path, index);
  return index;
}

function evictOne(): void {
  for (const [path, index] of indexes) {
    if (!index.live) {
      indexes.delete(path);
      return;
    }
  }
}

export interface EventPage {
  events: RunEvent[];
  /** The highest seq in the log. */
  last_seq: number;
  has_more: boolean;
}

/**
 * Events with seq > afterSeq: at most `limit` of them and at most `maxBytes` of lines (always at least one
 * event when there is one, however big).
 */
export function readEvents(path: string, afterSeq: number, limit: number, maxBytes: number): EventPage {
  const index = indexFor(path);
  index.refresh();
  const total = index.count;
  if (afterSeq >= total || limit <= 0) return { events: [], last_seq: total, has_more: false };
  const first = afterSeq;
  const start = index.starts[first] as number;
  let last = first + 1;
  const stop = Math.min(total, first + limit);
  while (last < stop && lineEnd(index, last) - start <= maxBytes) last++;
  const end = lineEnd(index, last - 1);
  const buffer = Buffer.allocUnsafe(end - start);
  const fd = openForRead(path);
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  const events: RunEvent[] = [];
  let from = 0;
  for (let i = first; i < last; i++) {
    const to = lineEnd(index, i) - start;
    events.push(parseLine(buffer.toString("utf8", from, to - 1), path, i + 1));
    from = to;
  }
  return { events, last_seq: total, has_more: last < total };
}

/** The highest seq in a log, cheap after the first look. */
export function lastSeq(path: string): number {
  const index = indexFor(path);
  index.refresh();
  return index.count;
}

/** The last event, or undefined for an empty or missing log. */
export function readLastEvent(path: string): RunEvent | undefined {
  const total = lastSeq(path);
  return total === 0 ? undefined : readEvents(path, total - 1, 1, Number.POSITIVE_INFINITY).events[0];
}

const lineEnd = (index: LineIndex, line: number): number =>
  line + 1 < index.count ? (index.starts[line + 1] as number) : index.end;

function parseLine(text: string, path: string, seq: number): RunEvent {
  try {
    return JSON.parse(text) as RunEvent;
  } catch {
    throw new OrchestratorError("store_error", `${path}: line ${seq} is not valid JSON`);
  }
}

/** The seal of a log's complete lines as they are now (for a run whose writer died after its last event). */
export function sealLog(path: string): LogSeal {
  const index = indexFor(path);
  index.refresh();
  return sealOf(path, index.end);
}

/** The single writer of one log. Opening it repairs a torn last line left by a crash. */
export class EventLogWriter {
  private readonly index: LineIndex;
  /** A failed write may have left part of a line past the index's end. */
  private torn = false;

  /** Every complete line of the log, as written: the seal of the run when it ends. */
  private readonly hash = createHash("sha256");

  private constructor(
    private fd: number,
    readonly path: string,
  ) {
    this.index = indexFor(path);
    this.index.live = false;
    this.index.reset();
    this.index.refresh();
    this.index.live = true;
    // A log reopened (to end a dead server's run) carries on the seal of what is already there.
    hashPrefix(fd, this.index.end, this.hash);
  }

  static open(path: string): EventLogWriter {
    ensureStoreDir(dirname(path));
    const fd = openForAppend(path);
    try {
      truncateTornTail(fd);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new EventLogWriter(fd, path);
  }

  get lastSeq(): number {
    return this.index.count;
  }

  /** The log as written so far. */
  seal(): LogSeal {
    rememberSealed(this.path, this.fd);
    return { bytes: this.index.end, sha256: this.hash.copy().digest("hex") };
  }

  /**
   * Appends one event line synchronously; the caller numbers events, this only writes them in order. A write
   * the disk refuses leaves no part of the line behind (or, when even that fails, a torn tail that readers skip
   * and the next append cuts first).
   */
  append(event: RunEvent): void {
    const line = Buffer.from(`${JSON.stringify(event)}\n`, "utf8");
    try {
      if (this.torn) {
        ftruncateSync(this.fd, this.index.end);
        this.torn = false;
      }
      let written = 0;
      while (written < line.length) written += writeSync(this.fd, line, written, line.length - written);
    } catch (error) {
      this.torn = true;
      try {
        ftruncateSync(this.fd, this.index.end);
        this.torn = false;
      } catch {
        // Still torn: the next append retries the cut before it writes.
      }
      throw error;
    }
    this.hash.update(line);
    this.index.starts.push(this.index.end);
    this.index.end += line.length;
  }

  close(): void {
    if (this.fd < 0) return;
    this.index.live = false;
    closeSync(this.fd);
    this.fd = -1;
  }
}

function truncateTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const buffer = Buffer.allocUnsafe(Math.min(size, SCAN_BLOCK));
  let position = size;
  while (position > 0) {
    const length = Math.min(buffer.length, position);
    position -= length;
    readSync(fd, buffer, 0, length, position);
    const at = buffer.lastIndexOf(NEWLINE, length - 1);
    if (at !== -1) {
      if (position + at + 1 < size) ftruncateSync(fd, position + at + 1);
      return;
    }
  }
  ftruncateSync(fd, 0);
}
