/** Engine settings, with the environment variables that set them (documented in the README). */
import { join } from "node:path";
import { invalidInput } from "../core/errors.js";
import type { RunLimits } from "../core/run.js";
import { DEFAULT_LIMITS, type SanitizeLimits } from "../events/sanitize.js";
import { orchestratorHome } from "../store/paths.js";

/** The longest limit a run may set: 30 days (timers beyond about 24.8 days need splitting; see deadlines.ts). */
export const MAX_LIMIT_S = 30 * 24 * 60 * 60;

export interface EngineConfig {
  /** Where the catalog of every run lives. */
  home: string;
  /** Runs active at once; the rest wait in FIFO order. */
  maxConcurrency: number;
  /** Longest a poll_events call may wait, whatever wait_ms asks. */
  pollWaitCapMs: number;
  /** How long cancel_run waits for a backend to stop before it records the cancel anyway. */
  cancelGraceMs: number;
  /** How often a waiting long-poll reports progress (MCP progress notifications). */
  progressIntervalMs: number;
  /** Most bytes of event lines in one poll answer. */
  pollMaxBytes: number;
  limits: SanitizeLimits;
  /** Deadlines of a run that names none (`ORCHESTRATOR_RUN_TIMEOUT_S` and the rest). */
  runLimits: RunLimits;
  /** The one folder besides a run's cwd that persona files (`profile`) are read from; see `profilesDir`. */
  profilesDir?: string;
}

/** `ORCHESTRATOR_PROFILES_DIR`, else `<home>/profiles`. */
export const profilesDir = (config: EngineConfig): string =>
  config.profilesDir ?? join(config.home, "profiles");

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw invalidInput(name, `expected an integer >= ${min}, got ${raw}`);
  return value;
}

function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > MAX_LIMIT_S) {
    throw invalidInput(name, `expected seconds from 0 (no limit) to ${MAX_LIMIT_S}, got ${raw}`);
  }
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  return {
    home: orchestratorHome(env),
    maxConcurrency: intFromEnv(env, "ORCHESTRATOR_MAX_CONCURRENCY", 8, 1),
    pollWaitCapMs: intFromEnv(env, "ORCHESTRATOR_POLL_WAIT_CAP_MS", 25_000, 0),
    cancelGraceMs: intFromEnv(env, "ORCHESTRATOR_CANCEL_GRACE_MS", 5_000, 0),
    progressIntervalMs: intFromEnv(env, "ORCHESTRATOR_PROGRESS_INTERVAL_MS", 5_000, 50),
    pollMaxBytes: intFromEnv(env, "ORCHESTRATOR_POLL_MAX_BYTES", 256 * 1024, 1024),
    limits: DEFAULT_LIMITS,
    runLimits: {
      timeout_s: secondsFromEnv(env, "ORCHESTRATOR_RUN_TIMEOUT_S", 0),
      idle_timeout_s: secondsFromEnv(env, "ORCHESTRATOR_IDLE_TIMEOUT_S", 30 * 60),
      input_timeout_s: secondsFromEnv(env, "ORCHESTRATOR_INPUT_TIMEOUT_S", 24 * 60 * 60),
    },
    ...(env.ORCHESTRATOR_PROFILES_DIR ? { profilesDir: env.ORCHESTRATOR_PROFILES_DIR } : {}),
  };
}
