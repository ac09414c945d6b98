/** An exclusive lock file on one run, for work only one process may do (recovering an orphaned run). */
import { closeSync, openSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { runDir } from "./paths.js";

/** A lock left by a process that died is cleared after this long. */
const STALE_LOCK_MS = 30_000;

const ageMs = (path: string): number => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** Runs `work` holding the run's lock; undefined when another process holds it now. */
export function withRunLock<T>(cwd: string, runId: string, work: () => T): T | undefined {
  const lock = join(runDir(cwd, runId), ".recovery.lock");
  let fd: number;
  try {
    fd = openSync(lock, "wx");
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
