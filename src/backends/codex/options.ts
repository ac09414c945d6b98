/** `backend_config` for codex, with defaults from the environment, turned into the SDK's thread options. */
import type {
  ApprovalMode,
  CodexOptions,
  ModelReasoningEffort,
  SandboxMode,
  ThreadOptions,
} from "@openai/codex-sdk";
import { invalidInput } from "../../core/errors.js";
import { storeProfileOverrides, useStoreProfile } from "./store-profile.js";

const SANDBOX_MODES: readonly SandboxMode[] = ["read-only", "workspace-write", "danger-full-access"];
const APPROVAL_POLICIES: readonly ApprovalMode[] = ["never", "on-request", "on-failure", "untrusted"];
const REASONING_EFFORTS: readonly ModelReasoningEffort[] = ["minimal", "low", "medium", "high", "xhigh"];
const KNOWN_KEYS = [
  "model",
  "reasoning_effort",
  "sandbox_mode",
  "network_access",
  "approval_policy",
  "skip_git_repo_check",
  "config",
];

export interface CodexRunOptions {
  thread: ThreadOptions;
  config?: CodexOptions["config"];
  /** Raw `--config` strings: the permission profile that keeps the run store read-only (see store-profile.ts). */
  configOverrides?: string[];
}

const field = (key: string) => `backend_config.${key}`;

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw invalidInput(field(key), `expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function bool(key: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw invalidInput(field(key), `expected true or false, got ${JSON.stringify(value)}`);
}

/**
 * Reads `backend_config` over the `ORCHESTRATOR_CODEX_*` defaults. Throws naming the field when a value is
 * wrong, so a bad config is refused at spawn rather than failing the run later.
 */
export function codexOptions(
  backendConfig: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): CodexRunOptions {
  for (const key of Object.keys(backendConfig)) {
    if (!KNOWN_KEYS.includes(key) && backendConfig[key] !== null) {
      throw invalidInput(field(key), `unknown codex option; known: ${KNOWN_KEYS.join(", ")}`);
    }
  }
  const pick = (key: string, envName: string): unknown => backendConfig[key] ?? env[envName];
  const model = pick("model", "ORCHESTRATOR_CODEX_MODEL");
  if (model !== undefined && model !== null && (typeof model !== "string" || model === "")) {
    throw invalidInput(field("model"), "expected a model name");
  }
  const config = backendConfig.config;
  if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config))) {
    throw invalidInput(field("config"), "expected an object of codex config overrides");
  }
  const sandboxMode =
    oneOf("sandbox_mode", pick("sandbox_mode", "ORCHESTRATOR_CODEX_SANDBOX_MODE"), SANDBOX_MODES) ??
    "workspace-write";
  const networkAccess =
    bool("network_access", pick("network_access", "ORCHESTRATOR_CODEX_NETWORK_ACCESS")) ?? false;
  const profile = sandboxMode === "workspace-write" && useStoreProfile(config ?? undefined, env);
  const thread: ThreadOptions = {
    ...(profile ? {} : { sandboxMode, networkAccessEnabled: networkAccess }),
    approvalPolicy:
      oneOf(
        "approval_policy",
        pick("approval_policy", "ORCHESTRATOR_CODEX_APPROVAL_POLICY"),
        APPROVAL_POLICIES,
      ) ?? "never",
    skipGitRepoCheck: bool("skip_git_repo_check", backendConfig.skip_git_repo_check) ?? true,
  };
  if (typeof model === "string") thread.model = model;
  const effort = oneOf(
    "reasoning_effort",
    pick("reasoning_effort", "ORCHESTRATOR_CODEX_REASONING_EFFORT"),
    REASONING_EFFORTS,
  );
  if (effort) thread.modelReasoningEffort = effort;
  return {
    thread,
    ...(config ? { config: config as CodexOptions["config"] } : {}),
    ...(profile ? { configOverrides: storeProfileOverrides(networkAccess) } : {}),
  };
}
