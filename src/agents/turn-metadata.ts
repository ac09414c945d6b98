/**
 * What a caller may put in a message's `metadata` (the orchestrator's remote_a2a backend sends these): where the
 * turn runs, the wrapped backend's options, and what an orchestrator run carries besides its prompt.
 */
import type { Message } from "@a2a-js/sdk";
import { z } from "zod";
import { invalidInput } from "../core/errors.js";

const object = z.record(z.string(), z.unknown());

const TurnMetadata = z.looseObject({
  /** Absolute directory the turn runs in; fixed for the whole context by its first message. */
  cwd: z.string().min(1).nullish(),
  /** The wrapped backend's `backend_config` (the same fields as spawn_run's for that backend). */
  backend_config: object.nullish(),
  /** JSON Schema for the final answer: its parsed value comes back as a data part of the final artifact. */
  output_schema: object.nullish(),
  /** Persona text (already read by the caller), given to the agent as instructions. */
  profile_text: z.string().nullish(),
  /** A free label, as spawn_run's `role`. */
  role: z.string().max(200).nullish(),
});

export interface TurnOptions {
  cwd?: string;
  backend_config: Record<string, unknown>;
  output_schema?: Record<string, unknown>;
  profile_text?: string;
  role?: string;
}

/** Reads the message's metadata (the request's metadata fills in what the message leaves out). */
export function turnOptions(message: Message, requestMetadata?: Record<string, unknown>): TurnOptions {
  const parsed = TurnMetadata.safeParse({ ...(requestMetadata ?? {}), ...(message.metadata ?? {}) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidInput(`metadata.${issue?.path.join(".") ?? ""}`, issue?.message ?? "invalid");
  }
  const meta = parsed.data;
  return {
    backend_config: meta.backend_config ?? {},
    ...(meta.cwd ? { cwd: meta.cwd } : {}),
    ...(meta.output_schema ? { output_schema: meta.output_schema } : {}),
    ...(meta.profile_text ? { profile_text: meta.profile_text } : {}),
    ...(meta.role ? { role: meta.role } : {}),
  };
}
