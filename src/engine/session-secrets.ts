/**
 * The credentials of each session's backend_config, kept in memory only: the stored config is redacted, and a
 * follow-up run in this process takes the stored config with these put back. Only what redaction hid is kept
 * (a few strings, not a config of up to 1 MiB), for the most recent sessions; a session beyond that, or after a
 * restart, continues with what is stored (its `token_env` / `headers_env` still name where credentials live).
 */
import { type HiddenStrings, hiddenStrings, withHiddenStrings } from "../core/redact.js";

const MAX_SESSIONS = 1000;

export class SessionSecrets {
  private readonly bySession = new Map<string, HiddenStrings>();

  keep(sessionId: string, backendConfig: Record<string, unknown>): void {
    this.bySession.delete(sessionId);
    const hidden = hiddenStrings(backendConfig);
    if (hidden.length === 0) return;
    if (this.bySession.size >= MAX_SESSIONS)
      this.bySession.delete(this.bySession.keys().next().value as string);
    this.bySession.set(sessionId, hidden);
  }

  /** The stored config of a session, with its credentials when this process still holds them. */
  restore(sessionId: string, stored: Record<string, unknown>): Record<string, unknown> {
    const hidden = this.bySession.get(sessionId);
    return hidden ? withHiddenStrings(stored, hidden) : stored;
  }
}
