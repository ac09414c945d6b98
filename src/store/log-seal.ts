/**
 * The seal of a finished run's event log: its length and SHA-256 as the server wrote it, kept with the run's
 * record in the catalog (in the home, beyond every sandbox). The log itself sits in the agent's cwd; a log that
 * no longer matches its seal was changed after the run ended, and is not served as if it were the run's.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, readSync } from "node:fs";
import type { LogSeal } from "../core/run.js";
import { openForRead } from "./no-follow.js";

const BLOCK = 1 << 20;

/** Hashes the first `bytes` of an open file into `hash`. */
export function hashPrefix(fd: number, bytes: number, hash: Hash): void {
  const buffer = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(bytes, 1)));
  for (let position = 0; position < bytes; ) {
    const read = readSync(fd, buffer, 0, Math.min(buffer.length, bytes - position), position);
    if (read === 0) break;
    hash.update(buffer.subarray(0, read));
    position += read;
  }
}

/** The seal of the log at `path` as it is now, `bytes` long (its complete lines). */
export function sealOf(path: string, bytes: number): LogSeal {
  const fd = openForRead(path);
  try {
    const hash = createHash("sha256");
    hashPrefix(fd, bytes, hash);
    return { bytes, sha256: hash.digest("hex") };
  } finally {
    closeSync(fd);
  }
}

/** Logs checked since they last changed: inode, size and ctime (which no process can set back) name a version. */
const verified = new Map<string, string>();
const MAX_VERIFIED = 1024;

/** The writer's own log, as it sealed it: no need to read it back to know it matches. */
export function rememberSealed(path: string, fd: number): void {
  const stat = fstatSync(fd);
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.set(path, `${stat.ino}:${stat.size}:${stat.ctimeMs}`);
}

/** Why the log at `path` no longer matches `seal`, or undefined when it does. */
export function brokenSeal(path: string, seal: LogSeal): string | undefined {
  let fd: number;
  try {
    fd = openForRead(path);
  } catch (error) {
    return `its events.jsonl cannot be read as it was (${(error as Error).message})`;
  }
  try {
    const stat = fstatSync(fd);
    const version = `${stat.ino}:${stat.size}:${stat.ctimeMs}`;
    if (verified.get(path) === version) return undefined;
    if (stat.size !== seal.bytes) {
      return `its events.jsonl is ${stat.size} bytes, not the ${seal.bytes} the run ended with`;
    }
    const hash = createHash("sha256");
    hashPrefix(fd, seal.bytes, hash);
    if (hash.digest("hex") !== seal.sha256) return "its events.jsonl was changed after the run ended";
    rememberSealed(path, fd);
    return undefined;
  } finally {
    closeSync(fd);
  }
}
