/** Checks of what callers send, each error naming the field and what was expected. */
import { realpathSync, statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { invalidInput } from "../core/errors.js";
import { type InputMessage, type InputPart, LIMIT_NAMES, type RunLimits } from "../core/run.js";
import { MAX_LIMIT_S } from "./config.js";

export const MAX_PROMPT_BYTES = 1024 * 1024;
const MAX_METADATA_BYTES = 16 * 1024;
/** backend_config and output_schema are stored in run.json on every status change: options, not material. */
const MAX_SPEC_OBJECT_BYTES = 1024 * 1024;
const MAX_LABEL_CHARS = 200;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** An absolute path to an existing directory, canonicalised so one directory has one store. */
export function canonicalCwd(field: string, value: unknown): string {
  if (typeof value !== "string" || value === "")
    throw invalidInput(field, "expected an absolute directory path");
  if (value.includes("\0")) throw invalidInput(field, "must not contain a NUL character");
  if (!isAbsolute(value))
    throw invalidInput(field, `expected an absolute path, got ${JSON.stringify(value)}`);
  let real: string;
  try {
    real = realpathSync(value);
  } catch {
    throw invalidInput(field, `no such directory: ${value}`);
  }
  if (!statSync(real).isDirectory()) throw invalidInput(field, `not a directory: ${value}`);
  return real;
}

export function label(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "")
    throw invalidInput(field, "expected a non-empty string");
  if (value.length > MAX_LABEL_CHARS) throw invalidInput(field, `at most ${MAX_LABEL_CHARS} characters`);
  return value;
}

export function prompt(field: string, value: unknown): string {
  if (typeof value !== "string") throw invalidInput(field, "expected a string");
  if (Buffer.byteLength(value) > MAX_PROMPT_BYTES) {
    throw invalidInput(field, `at most ${MAX_PROMPT_BYTES} bytes; put large material in a file and name it`);
  }
  return value;
}

export function inputMessage(field: string, value: unknown): InputMessage {
  if (!isPlainObject(value) || !Array.isArray(value.parts) || value.parts.length === 0) {
    throw invalidInput(field, "expected {parts: [...]} with at least one part");
  }
  if (value.role !== undefined && value.role !== null && value.role !== "user") {
    throw invalidInput(`${field}.role`, 'expected "user"');
  }
  const parts = value.parts.map((part, i) => inputPart(`${field}.parts[${i}]`, part));
  if (jsonBytes(field, parts) > MAX_PROMPT_BYTES) {
    throw invalidInput(field, `at most ${MAX_PROMPT_BYTES} bytes in all; pass big files by uri`);
  }
  return { role: "user", parts };
}

function inputPart(field: string, part: unknown): InputPart {
  if (!isPlainObject(part)) throw invalidInput(field, "expected an object");
  switch (part.type) {
    case "text":
      return { type: "text", text: prompt(`${field}.text`, part.text) };
    case "data":
      if (part.data === undefined) throw invalidInput(`${field}.data`, "required for a data part");
      return { type: "data", data: part.data };
    case "file": {
      const file: InputPart = { type: "file" };
      for (const key of ["uri", "bytes_base64", "mime_type", "name"] as const) {
        const item = part[key];
        if (item === undefined || item === null) continue;
        if (typeof item !== "string") throw invalidInput(`${field}.${key}`, "expected a string");
        file[key] = item;
      }
      if (file.uri === undefined && file.bytes_base64 === undefined) {
        throw invalidInput(field, "a file part needs uri or bytes_base64");
      }
      return file;
    }
    default:
      throw invalidInput(`${field}.type`, 'expected "text", "data" or "file"');
  }
}

/** Size of a value as JSON; a value too deeply nested to serialise is refused, not a crash. */
function jsonBytes(field: string, value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    throw invalidInput(field, "nested too deeply to store");
  }
}

export function jsonObject(field: string, value: unknown, maxBytes?: number): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalidInput(field, "expected a JSON object");
  const bytes = jsonBytes(field, value);
  if (maxBytes !== undefined && bytes > maxBytes)
    throw invalidInput(field, `at most ${maxBytes} bytes of JSON`);
  return value;
}

export const metadataObject = (value: unknown): Record<string, unknown> =>
  jsonObject("metadata", value, MAX_METADATA_BYTES);

export const specObject = (field: string, value: unknown): Record<string, unknown> =>
  jsonObject(field, value, MAX_SPEC_OBJECT_BYTES);

export function nonNegativeInt(field: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw invalidInput(field, `expected an integer >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A run's `limits`: each deadline given (seconds, 0 for none), else the server's default. Unknown fields are
 * refused by name, so a limit this server does not enforce is never taken for one it does.
 */
export function runLimits(field: string, value: unknown, defaults: RunLimits): RunLimits {
  if (value === undefined || value === null) return { ...defaults };
  if (!isPlainObject(value)) throw invalidInput(field, `expected an object with ${LIMIT_NAMES.join(", ")}`);
  for (const key of Object.keys(value)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(key)) {
      throw invalidInput(`${field}.${key}`, `unknown limit; known: ${LIMIT_NAMES.join(", ")}`);
    }
  }
  const limits = { ...defaults };
  for (const name of LIMIT_NAMES) {
    const given = value[name];
    if (given === undefined || given === null) continue;
    if (typeof given !== "number" || !Number.isFinite(given) || given < 0 || given > MAX_LIMIT_S) {
      throw invalidInput(
        `${field}.${name}`,
        `expected seconds from 0 (no limit) to ${MAX_LIMIT_S}, got ${JSON.stringify(given)}`,
      );
    }
    limits[name] = given;
  }
  return limits;
}
