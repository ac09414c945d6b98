/**
 * Secrets never reach a file: string values under secret-looking keys are replaced by a marker, and URLs lose
 * their userinfo and the values of credential-like query parameters, before anything is stored. Numbers and
 * booleans are kept: they are options (`model_auto_compact_token_limit: 200000`), and a stored config is read
 * back to continue a session after a restart, so redaction must not change what an option means.
 */
import type { InputMessage } from "./run.js";

export const REDACTED = "[redacted]";
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|api[-_]?key|^headers$/i;
/** Keys that only name where a secret lives (an environment variable), not the secret itself. */
const REFERENCE_KEY = /_env$/i;
/** Query (or fragment) parameters that carry a credential: `?token=`, `&api_key=`, `X-Amz-Signature=`, ... */
const CREDENTIAL_PARAM =
  /token|secret|passw|credential|(?:^|[-_.])(?:key|apikey|auth|authorization|sig|signature|pwd|session|sessionid)$/i;
/** A URL inside a string: scheme, `//`, then up to whitespace or a quote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const MAX_DEPTH = 32;

export function redactSecrets(value: unknown, depth = 0, underSecret = false): unknown {
  if (typeof value === "string") return underSecret ? REDACTED : redactUrls(value);
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, underSecret));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const secret = underSecret || (SECRET_KEY.test(key) && !REFERENCE_KEY.test(key));
    out[key] = redactSecrets(item, depth + 1, secret);
  }
  return out;
}

/** The strings redaction hides in a value, by path: all that must stay in memory to use a stored copy again. */
export type HiddenStrings = [path: (string | number)[], value: string][];

export function hiddenStrings(value: unknown): HiddenStrings {
  const hidden: HiddenStrings = [];
  const walk = (original: unknown, redacted: unknown, path: (string | number)[]): void => {
    if (typeof original === "string") {
      if (original !== redacted) hidden.push([path, original]);
    } else if (
      original !== null &&
      typeof original === "object" &&
      redacted !== null &&
      typeof redacted === "object"
    ) {
      for (const [key, item] of Object.entries(original)) {
        walk(item, (redacted as Record<string, unknown>)[key], [
          ...path,
          Array.isArray(original) ? Number(key) : key,
        ]);
      }
    }
  };
  walk(value, redactSecrets(value), []);
  return hidden;
}

/** A stored (redacted) value with what redaction hid put back. */
export function withHiddenStrings<T>(redacted: T, hidden: HiddenStrings): T {
  const out = structuredClone(redacted);
  for (const [path, value] of hidden) {
    let at: unknown = out;
    for (const key of path.slice(0, -1)) at = (at as Record<string | number, unknown> | undefined)?.[key];
    const last = path.at(-1);
    if (at !== null && typeof at === "object" && last !== undefined) {
      (at as Record<string | number, unknown>)[last] = value;
    }
  }
  return out;
}

/** Every URL in `text` without userinfo, and with the values of credential-like parameters redacted. */
export function redactUrls(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_IN_TEXT, (url) => {
    const start = url.indexOf("://") + 3;
    const authorityEnd = url.slice(start).search(/[/?#]/);
    const end = authorityEnd === -1 ? url.length : start + authorityEnd;
    const at = url.lastIndexOf("@", end - 1);
    const bare = at >= start ? url.slice(0, start) + url.slice(at + 1) : url;
    return bare.replace(/([?&#;])([^=&#;]*)=([^&#;]*)/g, (pair, sep: string, name: string) =>
      CREDENTIAL_PARAM.test(decodeName(name)) ? `${sep}${name}=${REDACTED}` : pair,
    );
  });
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll("+", " "));
  } catch {
    return name;
  }
}

/** An answer's shape without its values: what is stored of an answer to `auth_required`. */
export function messageShape(message: InputMessage): Record<string, unknown>[] {
  return message.parts.map((part) => {
    switch (part.type) {
      case "text":
        return { type: "text", chars: part.text.length };
      case "data":
        return {
          type: "data",
          ...(typeof part.data === "object" && part.data !== null && !Array.isArray(part.data)
            ? { keys: Object.keys(part.data).sort() }
            : { kind: Array.isArray(part.data) ? "array" : typeof part.data }),
        };
      default:
        return { type: "file", ...(part.mime_type === undefined ? {} : { mime_type: part.mime_type }) };
    }
  });
}
