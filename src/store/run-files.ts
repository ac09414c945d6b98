/** run.json, result.json and session files of one cwd's store, each replaced atomically. */
import { closeSync, lstatSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { OrchestratorError } from "../core/errors.js";
import { ID_PATTERN } from "../core/ids.js";
import { isTerminal, RUN_STATUSES, type RunRecord, type RunResult, type SessionRecord } from "../core/run.js";
import { readJsonIfExists, temporaryOf, writeJsonAtomic } from "./atomic-file.js";
import { createExclusive, ensureStoreDir } from "./no-follow.js";
import { resultFile, runDir, runFile, runsDir, sessionFile, storeRoot } from "./paths.js";

/**
 * Snapshots of a live run are not fsynced: they change on every status change, and events.jsonl, which recovery
 * reads, holds the truth; the final one is.
 */
export const writeRunRecord = (record: RunRecord): void =>
  writeJsonAtomic(runFile(record.cwd, record.run_id), record, { durable: isTerminal(record.status) });

/**
 * Makes the store folder of a cwd and, once, its `.gitignore` (`*`): an agent that runs `git add -A` in its cwd
 * must not commit prompts, outputs and sessions. A `.gitignore` already there (the user's own) is left alone.
 */
export function prepareStore(cwd: string): void {
  const root = storeRoot(cwd);
  ensureStoreDir(root);
  const ignore = join(root, ".gitignore");
  if (lstatSync(ignore, { throwIfNoEntry: false }) !== undefined) return;
  let fd: number;
  try {
    fd = createExclusive(ignore);
  } catch (error) {
    // Another server made it meanwhile.
    if (lstatSync(ignore, { throwIfNoEntry: false }) !== undefined) return;
    throw error;
  }
  try {
    writeSync(fd, "# Written by orchestration-mcp: run records stay out of version control.\n*\n");
  } finally {
    closeSync(fd);
  }
}

/** Removes the temporary files a process (`pid`, now dead) left in a run's folder mid-write. */
export function removeTemporaries(cwd: string, runId: string, pid: number): void {
  const dir = runDir(cwd, runId);
  const left = temporaryOf(pid);
  let names: string[];
  try {
    ensureStoreDir(dir);
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (left.test(name)) rmSync(join(dir, name), { force: true });
}

export function readRunRecord(cwd: string, runId: string): RunRecord | undefined {
  const path = runFile(cwd, runId);
  const record = readJson<RunRecord>(path);
  if (record === undefined) return undefined;
  if (
    record.run_id !== runId ||
    typeof record.session_id !== "string" ||
    !RUN_STATUSES.includes(record.status) ||
    typeof record.last_seq !== "number"
  ) {
    throw new OrchestratorError("store_error", `${path}: not a run record`);
  }
  return record;
}

export const writeRunResult = (cwd: string, runId: string, result: RunResult): void =>
  writeJsonAtomic(resultFile(cwd, runId), result);

export const writeSessionRecord = (session: SessionRecord): void =>
  writeJsonAtomic(sessionFile(session.cwd, session.session_id), session);

export function readSessionRecord(cwd: string, sessionId: string): SessionRecord | undefined {
  const path = sessionFile(cwd, sessionId);
  const session = readJson<SessionRecord>(path);
  if (session !== undefined && (session.session_id !== sessionId || typeof session.backend !== "string")) {
    throw new OrchestratorError("store_error", `${path}: not a session record`);
  }
  return session;
}

/** Every run id stored under a cwd (for reindexing). */
export function listRunIds(cwd: string): string[] {
  try {
    return readdirSync(runsDir(cwd), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && ID_PATTERN.test(entry.name))
      .map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return readJsonIfExists<T>(path);
  } catch (error) {
    throw new OrchestratorError("store_error", `${path}: ${(error as Error).message}`);
  }
}
