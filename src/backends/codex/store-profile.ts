/**
 * The codex permission profile that keeps the run store read-only for the agent: the `:workspace` profile
 * (the cwd and /tmp writable, `.git` read-only) with the store folder of each workspace root set to read.
 * The `sandbox_workspace_write` table cannot make a subfolder read-only; a profile can, but only as raw `--config`
 * strings (the SDK's nested `config` cannot quote `":workspace_roots"`), and only while no `sandboxMode` is
 * given: any sandboxMode makes the SDK pass `--sandbox`, which ignores the profile.
 */
import { STORE_FOLDER } from "../store-folder.js";

/** Named after us so it cannot be taken for a profile of the user's own config.toml. */
export const STORE_PROFILE = "nanobot_orchestrator_store_ro";

/** Keys of a caller's `config` that set up the sandbox themselves; with any of them the profile is left out. */
const SANDBOX_KEYS = ["sandbox_workspace_write", "permissions", "default_permissions"];

export function storeProfileOverrides(networkAccess: boolean): string[] {
  const profile = `permissions.${STORE_PROFILE}`;
  return [
    `default_permissions="${STORE_PROFILE}"`,
    `${profile}.extends=":workspace"`,
    `${profile}.filesystem={":workspace_roots"={${JSON.stringify(STORE_FOLDER)}="read"}}`,
    ...(networkAccess ? [`${profile}.network.enabled=true`] : []),
  ];
}

/**
 * Whether a workspace-write run gets the profile: not when the operator turned it off
 * (`ORCHESTRATOR_CODEX_STORE_READONLY=false`), nor when the caller's `config` shapes the sandbox itself (e.g.
 * `sandbox_workspace_write.writable_roots`), which only the plain workspace-write sandbox honours.
 */
export function useStoreProfile(config: object | undefined, env: NodeJS.ProcessEnv): boolean {
  const off = env.ORCHESTRATOR_CODEX_STORE_READONLY?.trim().toLowerCase();
  if (off === "false" || off === "0") return false;
  const keys = Object.keys(config ?? {});
  return !keys.some((key) => SANDBOX_KEYS.some((name) => key === name || key.startsWith(`${name}.`)));
}
