/** `backend_config` for claude_code, with defaults from the environment, checked at spawn. */
import { invalidInput } from "../../core/errors.js";
import { STORE_FOLDER } from "../store-folder.js";

export const PERMISSION_MODES = ["default", "acceptEdits", "plan", "bypassPermissions"] as const;
export const ON_PERMISSION = ["ask", "deny", "allow"] as const;
const SETTING_SOURCES = ["user", "project", "local"] as const;

export interface ClaudeConfig {
  model?: string;
  permission_mode: (typeof PERMISSION_MODES)[number];
  allowed_tools?: string[];
  disallowed_tools?: string[];
  max_turns?: number;
  max_budget_usd?: number;
  setting_sources: (typeof SETTING_SOURCES)[number][];
  /** What to do when a tool needs permission: ask the caller (input_required), or answer it at once. */
  on_permission: (typeof ON_PERMISSION)[number];
}

/**
 * The deny rule that keeps Claude Code's file tools (Edit, Write, NotebookEdit) out of the run store in every
 * permission mode: deny rules are checked before the mode, allow rules and canUseTool. An `Edit(path)` rule
 * covers every file-editing tool, while a `Write(path)` rule matches nothing (checked with claude-agent-sdk
 * 0.3.332). `./` is the cwd. Bash is not covered (a plain `>` redirect aside): only Claude Code's sandbox would be.
 */
export const STORE_DENY_RULE = `Edit(./${STORE_FOLDER}/**)`;

/** The caller's disallowed tools, after the store's deny rule. */
export const disallowedTools = (config: ClaudeConfig): string[] => [
  STORE_DENY_RULE,
  ...(config.disallowed_tools ?? []),
];

const KNOWN_KEYS = [
  "model",
  "permission_mode",
  "allowed_tools",
  "disallowed_tools",
  "max_turns",
  "max_budget_usd",
  "setting_sources",
  "on_permission",
];

const field = (key: string) => `backend_config.${key}`;
const absent = (value: unknown) => value === undefined || value === null || value === "";

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (absent(value)) return fallback;
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw invalidInput(field(key), `expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** A list given as an array or as a comma-separated string (the form an environment variable takes). */
function list(key: string, value: unknown): string[] | undefined {
  if (absent(value)) return undefined;
  const items = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== "string" || item === "")) {
    throw invalidInput(field(key), "expected an array of tool names (or a comma-separated string)");
  }
  return items as string[];
}

function positive(key: string, value: unknown, integer: boolean): number | undefined {
  if (absent(value)) return undefined;
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !(number > 0) || (integer && !Number.isInteger(number))) {
    throw invalidInput(
      field(key),
      `expected a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}

export function claudeConfig(
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): ClaudeConfig {
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.includes(key) && config[key] !== null) {
      throw invalidInput(field(key), `unknown claude_code option; known: ${KNOWN_KEYS.join(", ")}`);
    }
  }
  const pick = (key: string): unknown =>
    absent(config[key]) ? env[`ORCHESTRATOR_CLAUDE_${key.toUpperCase()}`] : config[key];
  const model = pick("model");
  if (!absent(model) && typeof model !== "string")
    throw invalidInput(field("model"), "expected a model name");
  const sources = list("setting_sources", pick("setting_sources")) ?? [];
  for (const source of sources) oneOf("setting_sources", source, SETTING_SOURCES, "user");
  const out: ClaudeConfig = {
    permission_mode: oneOf("permission_mode", pick("permission_mode"), PERMISSION_MODES, "default"),
    setting_sources: sources as ClaudeConfig["setting_sources"],
    on_permission: oneOf("on_permission", pick("on_permission"), ON_PERMISSION, "ask"),
  };
  if (typeof model === "string" && model !== "") out.model = model;
  const allowed = list("allowed_tools", pick("allowed_tools"));
  if (allowed) out.allowed_tools = allowed;
  const disallowed = list("disallowed_tools", pick("disallowed_tools"));
  if (disallowed) out.disallowed_tools = disallowed;
  const maxTurns = positive("max_turns", pick("max_turns"), true);
  if (maxTurns !== undefined) out.max_turns = maxTurns;
  const budget = positive("max_budget_usd", pick("max_budget_usd"), false);
  if (budget !== undefined) out.max_budget_usd = budget;
  return out;
}
