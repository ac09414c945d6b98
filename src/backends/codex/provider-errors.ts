/**
 * What codex's error events say about its model provider. codex retries on its own, for minutes with a network
 * that never answers or a key the provider refuses; an error that no retry can fix ends the run at once, with what
 * to do about it.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** A provider that refused the credentials codex sent (or codex had none to send). */
const AUTH_FAILURE =
  /\b(401 Unauthorized|403 Forbidden)\b|Missing environment variable|not logged in|no (api key|credentials)|refresh token/i;
/** codex's own retry notice: the turn goes on. */
const RETRYING = /^Reconnecting\.\.\./;
/** `Reconnecting... 2/5 (<what failed>)`: what failed. */
const RETRY_NOTICE = /^Reconnecting\.\.\. \d+\/\d+ \((.*)\)$/s;

export type ProviderError =
  | { kind: "auth"; message: string }
  | { kind: "retrying"; message: string }
  | { kind: "other"; message: string };

export function classifyError(message: string, env: NodeJS.ProcessEnv): ProviderError {
  if (AUTH_FAILURE.test(message)) {
    const codexHome = env.CODEX_HOME || join(homedir(), ".codex");
    return {
      kind: "auth",
      message:
        `codex could not authenticate with its model provider: run \`codex login\` with CODEX_HOME=${codexHome} ` +
        "(the codex that comes with orchestration-mcp: `npx codex login` in its folder), or give the server " +
        `OPENAI_API_KEY or your provider's env_key. codex said: ${message.replace(RETRY_NOTICE, "$1")}`,
    };
  }
  return RETRYING.test(message) ? { kind: "retrying", message } : { kind: "other", message };
}
