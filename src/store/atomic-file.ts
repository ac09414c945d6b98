/** JSON files replaced whole: a crash at any instant leaves the old or the new version, never a mix. */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { createExclusive, ensureStoreDir, openForRead } from "./no-follow.js";

export interface AtomicWriteOptions {
  /** fsync the new content before the rename, so it survives a power cut too (default true). */
  durable?: boolean;
  /**
   * The file is inside a run store (default), whose folders are checked for planted links and made when missing;
   * false for a file in a folder the caller made and trusts (the orchestrator home).
   */
  inStore?: boolean;
}

/**
 * Replaces `path` whole. Without `durable`, a crash of the process still leaves the old or the new version (and
 * ext4 flushes a file replaced by rename before the rename commits), at a fraction of the cost. The temporary
 * has a name nobody can guess and is created exclusively, so a link planted in its place is never written
 * through; the rename replaces a link at `path` itself rather than following it.
 */
export function writeFileAtomic(path: string, content: string, options: AtomicWriteOptions = {}): void {
  if (options.inStore ?? true) ensureStoreDir(dirname(path));
  const tmp = temporaryName(path);
  const fd = createExclusive(tmp);
  try {
    try {
      writeSync(fd, content);
      if (options.durable ?? true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    // A full or read-only disk must not leave half-written temporaries behind.
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** `<path>.<pid>.<random>.tmp`: the pid lets recovery remove what a dead process left (see temporaryOf). */
const temporaryName = (path: string): string =>
  `${path}.${process.pid}.${randomBytes(8).toString("hex")}.tmp`;

/** Matches the temporaries of process `pid`. */
export const temporaryOf = (pid: number): RegExp => new RegExp(`\\.${pid}\\.[0-9a-f]+\\.tmp$`);

export const writeJsonAtomic = (path: string, value: unknown, options?: AtomicWriteOptions): void =>
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);

/** Reads a store JSON file (never through a link), or undefined when it does not exist. */
export function readJsonIfExists<T>(path: string): T | undefined {
  let fd: number;
  try {
    fd = openForRead(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let text: string;
  try {
    text = readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
  return JSON.parse(text) as T;
}
