/** JSON files replaced whole: a crash at any instant leaves the old or the new version, never a mix. */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

let counter = 0;

/**
 * Replaces `path` whole. `durable` fsyncs the new content before the rename, so it survives a power cut too;
 * without it a crash of the process still leaves the old or the new version (and ext4 flushes a file replaced
 * by rename before the rename commits), at a fraction of the cost.
 */
export function writeFileAtomic(path: string, content: string, durable = true): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    try {
      writeSync(fd, content);
      if (durable) fsyncSync(fd);
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

export const writeJsonAtomic = (path: string, value: unknown, durable = true): void =>
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, durable);

/** Reads a JSON file, or undefined when it does not exist. */
export function readJsonIfExists<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}
