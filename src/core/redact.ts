/** Secrets never reach a file: values under secret-looking keys are replaced by a marker before storing. */

export const REDACTED = "[redacted]";
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|api[-_]?key|^headers$/i;
/** Keys that only name where a secret lives (an environment variable), not the secret itself. */
const REFERENCE_KEY = /_env$/i;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && !REFERENCE_KEY.test(key) ? REDACTED : redactSecrets(item, depth + 1);
  }
  return out;
}
