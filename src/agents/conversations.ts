/**
 * A2A contexts as conversations: each fixes its cwd and the backend session its turns resume, one turn at a time.
 * An idle conversation is forgotten after a while (see Retention): a later message in its context starts afresh.
 */
import { createHash } from "node:crypto";
import { ID_PATTERN } from "../core/ids.js";
import { Expiry, type Retention } from "./retention.js";

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

/** Idle conversations kept by default: small entries, kept long, as forgetting one loses the backend session. */
export const DEFAULT_CONVERSATION_RETENTION: Retention = { max: 1_000, ttlMs: 24 * 60 * 60 * 1000 };

export class Conversations {
  private readonly byContext = new Map<string, Conversation>();
  private readonly idle: Expiry<string>;

  constructor(retention: Retention = DEFAULT_CONVERSATION_RETENTION, now?: () => number) {
    this.idle = new Expiry(retention, now);
  }

  get size(): number {
    return this.byContext.size;
  }

  get(contextId: string): Conversation | undefined {
    return this.byContext.get(contextId);
  }

  open(contextId: string, cwd: string): Conversation {
    this.sweep();
    const conversation: Conversation = { contextId, sessionId: sessionIdFor(contextId), cwd };
    this.byContext.set(contextId, conversation);
    this.idle.finished(contextId);
    return conversation;
  }

  /** A turn of `taskId` runs in the conversation: it is kept until the turn ends. */
  begin(conversation: Conversation, taskId: string): void {
    conversation.activeTaskId = taskId;
    this.idle.live(conversation.contextId);
  }

  /** The turn of `taskId` ended: the conversation is idle from now on. */
  end(conversation: Conversation, taskId: string): void {
    if (conversation.activeTaskId !== taskId) return;
    conversation.activeTaskId = undefined;
    if (this.byContext.get(conversation.contextId) === conversation)
      this.idle.finished(conversation.contextId);
  }

  /** Forgets the idle conversations beyond the retention. */
  sweep(): void {
    for (const contextId of this.idle.due()) this.byContext.delete(contextId);
  }
}

/** `ctx_<contextId>` when that is a valid id, else a digest of it. */
export function sessionIdFor(contextId: string): string {
  const plain = `ctx_${contextId}`;
  if (ID_PATTERN.test(plain)) return plain;
  return `ctx_${createHash("sha256").update(contextId).digest("hex").slice(0, 32)}`;
}
