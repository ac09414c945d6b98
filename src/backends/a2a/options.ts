/**
 * `backend_config` for remote_a2a. Credentials (`token`, `headers`) live in memory only: the engine stores a
 * redacted copy, so after a restart they come from the environment variables named by `token_env` /
 * `headers_env`.
 */
import { invalidInput } from "../../core/errors.js";
import { REDACTED } from "../../core/redact.js";

export interface A2aConfig {
  agent_url: string;
  headers: Record<string, string>;
  /** How often a non-streaming agent's task is polled. */
  poll_interval_ms: number;
}

const KNOWN_KEYS = ["agent_url", "headers", "token", "token_env", "headers_env", "poll_interval_ms"];
const field = (key: string) => `backend_config.${key}`;
const given = (value: unknown) => value !== undefined && value !== null && value !== "" && value !== REDACTED;

function headerObject(key: string, value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidInput(field(key), "expected an object of header names to string values");
  }
  const out: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (item === REDACTED) continue;
    if (typeof item !== "string") throw invalidInput(`${field(key)}.${name}`, "expected a string");
    out[name] = item;
  }
  return out;
}

function envValue(key: string, name: unknown, env: NodeJS.ProcessEnv): string {
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw invalidInput(field(key), "expected the name of an environment variable");
  }
  const value = env[name];
  if (value === undefined || value === "")
    throw invalidInput(field(key), `environment variable ${name} is not set`);
  return value;
}

export function a2aConfig(config: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): A2aConfig {
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.includes(key) && config[key] !== null) {
      throw invalidInput(field(key), `unknown remote_a2a option; known: ${KNOWN_KEYS.join(", ")}`);
    }
  }
  const url = config.agent_url;
  if (typeof url !== "string" || url === "") {
    throw invalidInput(
      field("agent_url"),
      "required for remote_a2a: the agent's base URL (its card is at /.well-known/agent-card.json)",
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidInput(field("agent_url"), `not a URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidInput(field("agent_url"), "expected an http or https URL");
  }
  const headers: Record<string, string> = {};
  if (given(config.headers_env)) {
    let fromEnv: unknown;
    try {
      fromEnv = JSON.parse(envValue("headers_env", config.headers_env, env));
    } catch (error) {
      if (error instanceof Error && error.name === "OrchestratorError") throw error;
      throw invalidInput(field("headers_env"), "the variable must hold a JSON object of headers");
    }
    Object.assign(headers, headerObject("headers_env", fromEnv));
  }
  if (given(config.headers)) Object.assign(headers, headerObject("headers", config.headers));
  const token = given(config.token)
    ? config.token
    : given(config.token_env)
      ? envValue("token_env", config.token_env, env)
      : undefined;
  if (token !== undefined) {
    if (typeof token !== "string") throw invalidInput(field("token"), "expected a string");
    headers.Authorization = `Bearer ${token}`;
  }
  const interval = config.poll_interval_ms ?? 500;
  if (typeof interval !== "number" || !Number.isInteger(interval) || interval < 50 || interval > 60_000) {
    throw invalidInput(field("poll_interval_ms"), "expected an integer from 50 to 60000");
  }
  return { agent_url: url, headers, poll_interval_ms: interval };
}
