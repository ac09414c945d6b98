/**
 * The environment of an agent CLI: the server's own, minus what breaks nesting and the server's own secrets,
 * plus a tag naming the run, so every process of the run can be found (and ended) later, however deep or
 * detached.
 */
import { OrchestratorError } from "../core/errors.js";

/** Set in every process a run starts; its value is the run id. */
export const RUN_TAG = "ORCHESTRATION_MCP_RUN";
/** How many orchestration servers stand above this one (agents may start this server again). */
export const DEPTH_VAR = "ORCHESTRATION_MCP_DEPTH";
const MAX_DEPTH = 3;

/** Claude Code refuses to start when these say it runs inside Claude Code. */
const NESTING_BREAKERS = ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"];
/**
 * Credentials of this server itself, never an agent's: the token its A2A agents require of callers (an agent
 * that read it could call them, or the orchestrator that holds it) and the dashboard's. Everything else passes,
 * OPENAI_* and ANTHROPIC_* included: the agent CLIs need them.
 */
export const SERVER_SECRETS = ["ORCHESTRATION_A2A_TOKEN", "ORCHESTRATOR_DASHBOARD_TOKEN"];
const WITHHELD = new Set([...NESTING_BREAKERS, ...SERVER_SECRETS]);

export function childEnv(runId: string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !WITHHELD.has(key)) env[key] = value;
  }
  env[RUN_TAG] = runId;
  env[DEPTH_VAR] = String(serverDepth(base) + 1);
  return env;
}

export function serverDepth(env: NodeJS.ProcessEnv = process.env): number {
  const depth = Number(env[DEPTH_VAR] ?? 0);
  return Number.isInteger(depth) && depth > 0 ? depth : 0;
}

/** Refuses to start agents from a server that agents started too many times over (a config loop). */
export function assertNestingAllowed(env: NodeJS.ProcessEnv = process.env): void {
  if (serverDepth(env) >= MAX_DEPTH) {
    throw new OrchestratorError(
      "conflict",
      `this server runs inside ${serverDepth(env)} levels of agent runs; refusing to nest deeper (give subagents a CODEX_HOME without this server)`,
    );
  }
}
