/**
 * `backend_config` for remote_a2a. Credentials (`token`, `headers`) live in memory only: the engine stores a
 * redacted copy, so after a restart they come from the environment variables named by `token_env` /
 * `headers_env`. They go only to agent_url's origin and `allowed_origins`, and over plain http only to this machine
 * unless `allow_insecure_http` is set.
 */
import { invalidInput } from "../../core/errors.js";
import { REDACTED } from "../../core/redact.js";
import { isInsecure, parseOrigin } from "./origins.js";

export interface A2aConfig {
  agent_url: string;
  headers: Record<string, string>;
  /** Origins besides agent_url's that may receive `headers` (normalized, e.g. `https://other.example:8443`). */
  allowed_origins: string[];
  /** How often a non-streaming agent's task is polled. */
  poll_interval_ms: number;
  /** Where the agent card is: `card_url`, else `<agent_url>/.well-known/agent-card.json` (a path kept). */
  card_url: string;
  /** The directory the remote agent works in, when it is not the run's (local) cwd. */
  remote_cwd?: string;
}

const KNOWN_KEYS = [
  "agent_url",
  "headers",
  "token",
  "token_env",
  "headers_env",
  "allowed_origins",
  "allow_insecure_http",
  "poll_interval_ms",
  "card_url",
  "remote_cwd",
];
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

function originList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput(field("allowed_origins"), "expected an array of origins");
  return value.map((item, i) => {
    const origin = typeof item === "string" ? parseOrigin(item) : undefined;
    if (origin === undefined) {
      throw invalidInput(`${field("allowed_origins")}[${i}]`, "expected an origin such as https://host:port");
    }
    return origin;
  });
}

/** Credentials in clear text to another machine only when the caller said so, for agent_url and every origin. */
function refuseInsecure(agentUrl: URL, origins: string[]): void {
  const advice = "use https, or set backend_config.allow_insecure_http: true";
  if (isInsecure(agentUrl)) {
    throw invalidInput(
      field("agent_url"),
      `the token and headers would go over plain http to ${agentUrl.host}; ${advice}`,
    );
  }
  origins.forEach((origin, i) => {
    if (isInsecure(new URL(origin))) {
      throw invalidInput(
        `${field("allowed_origins")}[${i}]`,
        `the token and headers would go over plain http to ${origin}; ${advice}`,
      );
    }
  });
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
  const allowed = originList(config.allowed_origins);
  const insecure = config.allow_insecure_http ?? false;
  if (typeof insecure !== "boolean")
    throw invalidInput(field("allow_insecure_http"), "expected true or false");
  if (Object.keys(headers).length > 0 && !insecure) refuseInsecure(parsed, allowed);
  const interval = config.poll_interval_ms ?? 500;
  if (typeof interval !== "number" || !Number.isInteger(interval) || interval < 50 || interval > 60_000) {
    throw invalidInput(field("poll_interval_ms"), "expected an integer from 50 to 60000");
  }
  const remoteCwd = config.remote_cwd ?? undefined;
  if (remoteCwd !== undefined && (typeof remoteCwd !== "string" || remoteCwd.trim() === "")) {
    throw invalidInput(field("remote_cwd"), "expected the path of the directory the remote agent works in");
  }
  return {
    agent_url: url,
    headers,
    allowed_origins: allowed,
    poll_interval_ms: interval,
    card_url: cardUrl(config.card_url, parsed),
    ...(remoteCwd === undefined ? {} : { remote_cwd: remoteCwd }),
  };
}

/** The card's URL: given, or the well-known path under agent_url itself (`https://host/a2a/x` keeps `/a2a/x`). */
function cardUrl(value: unknown, agentUrl: URL): string {
  if (value === undefined || value === null || value === "") {
    const base = new URL(agentUrl.href);
    base.pathname = `${base.pathname.replace(/\/+$/, "")}/.well-known/agent-card.json`;
    base.search = "";
    base.hash = "";
    return base.href;
  }
  let parsed: URL | undefined;
  try {
    parsed = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw invalidInput(field("card_url"), "expected the http(s) URL of the agent card");
  }
  return parsed.href;
}
