/**
 * The operator's ceiling over what a caller may ask of the backend our agent wraps. A caller's
 * `metadata.backend_config` may only narrow what the operator allowed: every field is checked before a turn
 * starts, and the first one beyond the ceiling refuses the message, naming the field. Defaults that the caller
 * leaves out are the operator's own (the wrapped backend's defaults and its ORCHESTRATOR_* environment).
 */
import { invalidInput } from "../core/errors.js";

/** Codex sandbox modes, narrowest first. */
export const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"] as const;
/** Claude Code permission modes, narrowest first: `plan` edits nothing, `bypassPermissions` asks nothing. */
export const PERMISSION_MODES = ["plan", "default", "acceptEdits", "bypassPermissions"] as const;
/** Who answers a Claude Code permission request, narrowest first: refuse it, ask the caller, allow it. */
export const ON_PERMISSION = ["deny", "ask", "allow"] as const;

export type SandboxMode = (typeof SANDBOX_MODES)[number];
export type PermissionMode = (typeof PERMISSION_MODES)[number];
export type OnPermission = (typeof ON_PERMISSION)[number];

/** The operator's ceiling (command-line flags of the launcher). */
export interface OperatorLimits {
  /** Widest codex `sandbox_mode` a caller may ask for. */
  maxSandbox: SandboxMode;
  /** Widest Claude Code `permission_mode` a caller may ask for. */
  maxPermissionMode: PermissionMode;
  /** Widest Claude Code `on_permission` a caller may ask for. */
  maxOnPermission: OnPermission;
  /** Whether a caller may pass codex `config` overrides (providers, MCP servers: commands outside the sandbox). */
  allowCodexConfig: boolean;
  /** Whether a caller may pass Claude Code `setting_sources` (settings files that grant permissions, hooks). */
  allowSettingSources: boolean;
  /** Whether a caller may pass Claude Code `allowed_tools` (tools used without asking). */
  allowAllowedTools: boolean;
  /** Whether a caller may turn codex `network_access` on. */
  allowNetwork: boolean;
  /** Whether a caller may pass a codex `approval_policy` other than `never` (which never leaves the sandbox). */
  allowApprovalPolicy: boolean;
}

export const DEFAULT_LIMITS: OperatorLimits = {
  maxSandbox: "workspace-write",
  maxPermissionMode: "default",
  maxOnPermission: "ask",
  allowCodexConfig: false,
  allowSettingSources: false,
  allowAllowedTools: false,
  allowNetwork: false,
  allowApprovalPolicy: false,
};

/** What a caller may ask of the wrapped backend. */
export interface CallerPolicy {
  /** Throws naming the first field of `backendConfig` beyond the ceiling for `backend`. */
  check(backend: string, backendConfig: Record<string, unknown>): void;
}

/** Why a field's value is refused, or undefined when the caller may pass it. */
type Rule = (value: unknown, limits: OperatorLimits) => string | undefined;

const free: Rule = () => undefined;

const ceiling =
  <T extends string>(order: readonly T[], max: (limits: OperatorLimits) => T, flag: string): Rule =>
  (value, limits) => {
    if (typeof value !== "string" || !order.includes(value as T)) {
      return `expected one of ${order.join(", ")}, got ${JSON.stringify(value)}`;
    }
    const top = max(limits);
    return order.indexOf(value as T) > order.indexOf(top)
      ? `${JSON.stringify(value)} exceeds this agent's ceiling ${JSON.stringify(top)} (the operator raises it with ${flag})`
      : undefined;
  };

const operatorOnly =
  (allowed: (limits: OperatorLimits) => boolean, flag: string): Rule =>
  (_value, limits) =>
    allowed(limits)
      ? undefined
      : `not accepted from callers by this agent (the operator allows it with ${flag})`;

const isOff = (value: unknown) => value === false || value === "false" || value === "0";
const isEmptyList = (value: unknown) => Array.isArray(value) && value.length === 0;

/** Each field a caller may name, per wrapped backend; a field not listed is refused. */
const RULES: Record<string, Record<string, Rule>> = {
  codex: {
    model: free,
    reasoning_effort: free,
    skip_git_repo_check: free,
    sandbox_mode: ceiling(SANDBOX_MODES, (l) => l.maxSandbox, "--max-sandbox"),
    network_access: (value, limits) =>
      isOff(value) ? undefined : operatorOnly((l) => l.allowNetwork, "--allow-network")(value, limits),
    approval_policy: (value, limits) =>
      value === "never"
        ? undefined
        : operatorOnly((l) => l.allowApprovalPolicy, "--allow-approval-policy")(value, limits),
    config: operatorOnly((l) => l.allowCodexConfig, "--allow-codex-config"),
  },
  claude_code: {
    model: free,
    max_turns: free,
    max_budget_usd: free,
    disallowed_tools: free,
    permission_mode: ceiling(PERMISSION_MODES, (l) => l.maxPermissionMode, "--max-permission-mode"),
    on_permission: ceiling(ON_PERMISSION, (l) => l.maxOnPermission, "--max-on-permission"),
    allowed_tools: (value, limits) =>
      isEmptyList(value)
        ? undefined
        : operatorOnly((l) => l.allowAllowedTools, "--allow-allowed-tools")(value, limits),
    setting_sources: (value, limits) =>
      isEmptyList(value)
        ? undefined
        : operatorOnly((l) => l.allowSettingSources, "--allow-setting-sources")(value, limits),
  },
};

const absent = (value: unknown) => value === undefined || value === null || value === "";

export function operatorPolicy(limits: Partial<OperatorLimits> = {}): CallerPolicy {
  const full: OperatorLimits = { ...DEFAULT_LIMITS, ...limits };
  return {
    check(backend, backendConfig) {
      const rules = RULES[backend] ?? {};
      for (const [key, value] of Object.entries(backendConfig)) {
        if (absent(value)) continue;
        const field = `metadata.backend_config.${key}`;
        const rule = rules[key];
        if (!rule) {
          const known = Object.keys(rules);
          throw invalidInput(
            field,
            `not a field this ${backend} agent takes from callers${known.length ? ` (known: ${known.join(", ")})` : ""}`,
          );
        }
        const refusal = rule(value, full);
        if (refusal) throw invalidInput(field, refusal);
      }
    },
  };
}
