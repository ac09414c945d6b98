/** The on-disk layout of CONTRACT.md; ids are checked before a path is built from them. */
import { homedir } from "node:os";
import { join } from "node:path";
import { assertId } from "../core/ids.js";

export const STORE_DIR = ".nanobot-orchestrator";

export const storeRoot = (cwd: string): string => join(cwd, STORE_DIR);
export const runsDir = (cwd: string): string => join(storeRoot(cwd), "runs");
export const runDir = (cwd: string, runId: string): string => join(runsDir(cwd), assertId("run_id", runId));
export const runFile = (cwd: string, runId: string): string => join(runDir(cwd, runId), "run.json");
export const resultFile = (cwd: string, runId: string): string => join(runDir(cwd, runId), "result.json");
export const eventsFile = (cwd: string, runId: string): string => join(runDir(cwd, runId), "events.jsonl");
export const sessionFile = (cwd: string, sessionId: string): string =>
  join(storeRoot(cwd), "sessions", `${assertId("session_id", sessionId)}.json`);

/** The orchestrator home holds the catalog of every run; `ORCHESTRATOR_HOME` moves it. */
export function orchestratorHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORCHESTRATOR_HOME || join(homedir(), STORE_DIR);
}
