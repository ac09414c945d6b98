/** A2A failures told in words a user can act on. */
import { OriginRefused } from "./origins.js";

export function describeA2aError(error: unknown, agentUrl: string): string {
  if (error instanceof OriginRefused) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(`${message} ${cause}`)) {
    return `cannot reach the A2A agent at ${agentUrl}: ${cause || message}`;
  }
  if (/\b401\b|\b403\b|unauthori[sz]ed|forbidden/i.test(message)) {
    return `the A2A agent at ${agentUrl} refused the credentials (${message}); set backend_config.token or token_env`;
  }
  if (/agent card|agent-card/i.test(message)) return `bad agent card at ${agentUrl}: ${message}`;
  if (/task.*not found|TaskNotFound/i.test(message)) return `the remote task vanished: ${message}`;
  return `A2A agent at ${agentUrl}: ${message}`;
}
