import { randomBytes } from "node:crypto";
import { invalidInput } from "./errors.js";

/** CONTRACT.md: run and session ids; checked before any path is built from them. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function assertId(field: string, value: unknown): string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw invalidInput(field, `expected an id matching ${ID_PATTERN.source}, got ${shown}`);
  }
  return value;
}

/** Time-ordered ids: sort by creation, unique across processes. */
function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(6).toString("hex")}`;
}

export const newRunId = (): string => newId("run");
export const newSessionId = (): string => newId("ses");
