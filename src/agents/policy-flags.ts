/** The launcher's flags for the operator's policy (what callers may ask) and for how long finished work is kept. */
import {
  DEFAULT_LIMITS,
  ON_PERMISSION,
  type OperatorLimits,
  PERMISSION_MODES,
  SANDBOX_MODES,
} from "./policy.js";
import type { Retention } from "./retention.js";

export const POLICY_FLAGS = {
  "max-sandbox": { type: "string" },
  "max-permission-mode": { type: "string" },
  "max-on-permission": { type: "string" },
  "allow-codex-config": { type: "boolean" },
  "allow-setting-sources": { type: "boolean" },
  "allow-allowed-tools": { type: "boolean" },
  "allow-network": { type: "boolean" },
  "allow-approval-policy": { type: "boolean" },
  "keep-finished-tasks": { type: "string" },
  "finished-task-ttl": { type: "string" },
  "keep-idle-conversations": { type: "string" },
  "idle-conversation-ttl": { type: "string" },
} as const;

export const POLICY_USAGE = `What callers may ask in metadata.backend_config (they may only narrow it):
  --max-sandbox M            widest codex sandbox_mode: ${SANDBOX_MODES.join(" < ")} (default ${DEFAULT_LIMITS.maxSandbox})
  --max-permission-mode M    widest Claude permission_mode: ${PERMISSION_MODES.join(" < ")} (default ${DEFAULT_LIMITS.maxPermissionMode})
  --max-on-permission M      widest Claude on_permission: ${ON_PERMISSION.join(" < ")} (default ${DEFAULT_LIMITS.maxOnPermission})
  --allow-codex-config       callers may pass codex config overrides (MCP servers, providers)
  --allow-setting-sources    callers may pass Claude setting_sources (settings files, hooks)
  --allow-allowed-tools      callers may pass Claude allowed_tools (tools used without asking)
  --allow-network            callers may turn codex network_access on
  --allow-approval-policy    callers may pass a codex approval_policy other than never
How long finished work stays in memory (durations: 90s, 15m, 24h, 7d; a bare number is seconds):
  --keep-finished-tasks N    finished tasks kept for GetTask (default 50)
  --finished-task-ttl D      and for how long (default 15m)
  --keep-idle-conversations N  idle conversations kept (default 1000; a forgotten one starts afresh)
  --idle-conversation-ttl D  and for how long (default 24h)`;

type Values = {
  [K in keyof typeof POLICY_FLAGS]?: (typeof POLICY_FLAGS)[K]["type"] extends "boolean" ? boolean : string;
};

export class FlagError extends Error {}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new FlagError(`--${flag}: expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new FlagError(`--${flag}: expected a whole number, got ${JSON.stringify(value)}`);
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match)
    throw new FlagError(
      `--${flag}: expected a duration like 90s, 15m, 24h or 7d, got ${JSON.stringify(value)}`,
    );
  return Number(match[1]) * (UNIT_MS[match[2] || "s"] ?? 1000);
}

/** The operator's ceiling from the flags given (the rest stays at the defaults). */
export function limitsFrom(values: Values): Partial<OperatorLimits> {
  const limits: Partial<OperatorLimits> = {};
  const sandbox = oneOf("max-sandbox", values["max-sandbox"], SANDBOX_MODES);
  if (sandbox) limits.maxSandbox = sandbox;
  const permission = oneOf("max-permission-mode", values["max-permission-mode"], PERMISSION_MODES);
  if (permission) limits.maxPermissionMode = permission;
  const onPermission = oneOf("max-on-permission", values["max-on-permission"], ON_PERMISSION);
  if (onPermission) limits.maxOnPermission = onPermission;
  if (values["allow-codex-config"]) limits.allowCodexConfig = true;
  if (values["allow-setting-sources"]) limits.allowSettingSources = true;
  if (values["allow-allowed-tools"]) limits.allowAllowedTools = true;
  if (values["allow-network"]) limits.allowNetwork = true;
  if (values["allow-approval-policy"]) limits.allowApprovalPolicy = true;
  return limits;
}

function retention(max: number | undefined, ttlMs: number | undefined): Partial<Retention> {
  return { ...(max === undefined ? {} : { max }), ...(ttlMs === undefined ? {} : { ttlMs }) };
}

/** How long finished tasks and idle conversations are kept, from the flags given. */
export function retentionFrom(values: Values): {
  finishedTasks: Partial<Retention>;
  idleConversations: Partial<Retention>;
} {
  return {
    finishedTasks: retention(
      count("keep-finished-tasks", values["keep-finished-tasks"]),
      duration("finished-task-ttl", values["finished-task-ttl"]),
    ),
    idleConversations: retention(
      count("keep-idle-conversations", values["keep-idle-conversations"]),
      duration("idle-conversation-ttl", values["idle-conversation-ttl"]),
    ),
  };
}

/** What callers of an agent wrapping `backend` may ask, as a line for the banner. */
export function describeLimits(backend: string, limits: OperatorLimits): string {
  if (backend === "codex") {
    const also = [
      limits.allowCodexConfig && "config",
      limits.allowNetwork && "network_access",
      limits.allowApprovalPolicy && "approval_policy",
    ];
    return `sandbox_mode up to ${limits.maxSandbox}${list(also)}`;
  }
  const also = [limits.allowSettingSources && "setting_sources", limits.allowAllowedTools && "allowed_tools"];
  return `permission_mode up to ${limits.maxPermissionMode}, on_permission up to ${limits.maxOnPermission}${list(also)}`;
}

const list = (names: (string | false)[]) => {
  const given = names.filter((name): name is string => !!name);
  return given.length ? `; callers may also set ${given.join(", ")}` : "";
};
