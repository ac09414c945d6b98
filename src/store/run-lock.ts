/** An exclusive lock file on one run, for work only one process may do (recovering an orphaned run). */
import { closeSync, lstatSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureStoreDir } from "./no-follow.js";
import { runDir } from "./paths.js";

/** A lock left by a process that died is cleared after this long. */
const STALE_LOCK_MS = 30_000;

const ageMs = (path: string): number => {
  try {
    return Date.now() - lstatSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** Runs `work` holding the run's lock; undefined when another process holds it now. */
export function withRunLock<T>(cwd: string, runId: string, work: () => T): T | undefined {
  const dir = runDir(cwd, runId);
  ensureStoreDir(dir);
  const lock = join(dir, ".recovery.lock");
  let fd: number;
  try {
    // Exclusive creation never follows a link in the lock's place.
    fd = openSync(lock, "wx", 0o600);
  } catch {
    if (ageMs(lock) > STALE_LOCK_MS) rmSync(lock, { force: true });
    return undefined;
  }
  try {
    return work();
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}
