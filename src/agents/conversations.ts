/** A2A contexts as conversations: each fixes its cwd and the backend session its turns resume, one turn at a time. */
import { createHash } from "node:crypto";
import { ID_PATTERN } from "../core/ids.js";

export interface Conversation {
  readonly contextId: string;
  /** Our session id for the backend (an id matching ID_PATTERN, derived from the contextId). */
  readonly sessionId: string;
  readonly cwd: string;
  /** The backend's own conversation id (Codex thread, Claude session), once a turn reported it. */
  backendSessionId?: string;
  /** The task whose turn runs (or waits for input) now. */
  activeTaskId?: string;
}

export class Conversations {
  private readonly byContext = new Map<string, Conversation>();

  get(contextId: string): Conversation | undefined {
    return this.byContext.get(contextId);
  }

  open(contextId: string, cwd: string): Conversation {
    const conversation: Conversation = { contextId, sessionId: sessionIdFor(contextId), cwd };
    this.byContext.set(contextId, conversation);
    return conversation;
  }
}

/** `ctx_<contextId>` when that is a valid id, else a digest of it. */
export function sessionIdFor(contextId: string): string {
  const plain = `ctx_${contextId}`;
  if (ID_PATTERN.test(plain)) return plain;
  return `ctx_${createHash("sha256").update(contextId).digest("hex").slice(0, 32)}`;
}
