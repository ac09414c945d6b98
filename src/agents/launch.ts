#!/usr/bin/env node
/**
 * Starts an A2A agent that wraps one of our local backends, so an orchestrator on another machine can hand it
 * runs (its `remote_a2a` backend). Prints where it listens and a spawn_run payload that uses it.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { defaultBackends } from "../backends/registry.js";
import { errorMessage } from "../core/errors.js";
import { DEFAULT_LIMITS, type OperatorLimits, operatorPolicy } from "./policy.js";
import {
  describeLimits,
  FlagError,
  limitsFrom,
  POLICY_FLAGS,
  POLICY_USAGE,
  retentionFrom,
} from "./policy-flags.js";
import { type A2aAgent, startA2aAgent } from "./server.js";

/** The backends an agent may wrap: the local ones (wrapping remote_a2a would only relay to another agent). */
const LOCAL_BACKENDS = ["codex", "claude_code"];
/** Where the token may come from instead of --token (which other users can see in the process list). */
const TOKEN_ENV = "ORCHESTRATION_A2A_TOKEN";

function usage(command: string): string {
  return `usage: ${command} [--backend codex|claude_code] [--port N] [--host ADDR] [--token T] [--root DIR] [policy flags]
  --backend     the local backend each turn runs on (asked for when omitted in a terminal)
  --port        port to listen on (default: any free port)
  --host        interface to bind (default 127.0.0.1; any other address needs --token)
  --token       the bearer token callers send (or set ${TOKEN_ENV}); without one, a random token is
                made and printed (loopback only)
  --root        turns may only run in this directory or below it (default: anywhere; conversations
                that name no cwd run in the root, else in the current directory)
  --public-url  base URL the agent card advertises, when callers reach this agent by another name
                (requests naming any other host than it, the bound address and loopback get 403)
${POLICY_USAGE}`;
}

class UsageError extends Error {}

async function main(argv: string[], command: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      backend: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      root: { type: "string" },
      "public-url": { type: "string" },
      ...POLICY_FLAGS,
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage(command)}\n`);
    return;
  }
  const limits: OperatorLimits = { ...DEFAULT_LIMITS, ...limitsFrom(values) };
  const retention = retentionFrom(values);
  const backends = defaultBackends();
  const names = LOCAL_BACKENDS.filter((n) => backends.has(n));
  const name = values.backend ?? (process.stdin.isTTY ? await askBackend(names) : undefined);
  if (!name) throw new UsageError("--backend is required when stdin is not a terminal");
  const backend = names.includes(name) ? backends.get(name) : undefined;
  if (!backend)
    throw new UsageError(`--backend: expected one of ${names.join(", ")}, got ${JSON.stringify(name)}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port: expected a port number, got ${JSON.stringify(values.port)}`);
  }
  const token = values.token ?? (process.env[TOKEN_ENV] || undefined);
  const host = values.host ?? "127.0.0.1";
  const root = values.root === undefined ? undefined : resolve(values.root);

  const agent = await startA2aAgent({
    backend,
    host,
    port,
    ...(token ? { token } : {}),
    ...(root ? { root } : {}),
    ...(values["public-url"] ? { publicUrl: values["public-url"] } : {}),
    policy: operatorPolicy(limits),
    ...retention,
  });
  stopOnSignals(agent);
  process.stdout.write(banner(agent, name, { root, generated: !token, limits }));
}

async function askBackend(names: string[]): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const choices = names.map((n, i) => `${i + 1}) ${n}`).join("  ");
    for (;;) {
      const answer = (await rl.question(`Which backend should this agent wrap? ${choices} [1]: `)).trim();
      const picked =
        answer === "" ? names[0] : (names[Number(answer) - 1] ?? names.find((n) => n === answer));
      if (picked) return picked;
      process.stdout.write(`expected a number or one of: ${names.join(", ")}\n`);
    }
  } finally {
    rl.close();
  }
}

interface BannerOptions {
  root: string | undefined;
  /** The token was made here: print it, as nobody else knows it. */
  generated: boolean;
  limits: OperatorLimits;
}

function banner(agent: A2aAgent, backend: string, options: BannerOptions): string {
  const payload = {
    backend: "remote_a2a",
    role: "worker",
    // cwd is a directory on the orchestrator's machine (where the run is recorded: this one works when it runs
    // here); remote_cwd is where this agent works, which the orchestrator's machine need not have.
    cwd: options.root ?? process.cwd(),
    prompt: "Describe this repository in three sentences.",
    backend_config: { agent_url: agent.url, token_env: TOKEN_ENV, remote_cwd: options.root ?? process.cwd() },
  };
  const token = options.generated
    ? `${agent.token} (generated; give the orchestrator ${TOKEN_ENV}=${agent.token})`
    : `required (give the orchestrator ${TOKEN_ENV})`;
  return [
    `orchestration-mcp A2A agent wrapping ${backend}`,
    `agent_url: ${agent.url}`,
    `card_url:  ${agent.cardUrl}`,
    `root:      ${options.root ?? "(none: any directory)"}`,
    `token:     ${token}`,
    `callers:   ${describeLimits(backend, options.limits)}`,
    "spawn_run payload:",
    JSON.stringify(payload, null, 2),
    "Stop with Ctrl-C.",
    "",
  ].join("\n");
}

/** The first signal cancels running turns and closes the server; a second one exits at once. */
function stopOnSignals(agent: A2aAgent): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`${signal}: cancelling running turns and stopping\n`);
    agent.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`error while stopping: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/**
 * Starts an agent from command-line flags (`command` names the launcher in messages). Once it listens, the
 * process runs until a signal stops it; a bad flag exits 2 and a failed start 1, each with the reason.
 */
export function launchAgent(argv: string[], command = "start:a2a-agent"): Promise<void> {
  return main(argv, command).catch((error) => {
    const isUsage =
      error instanceof UsageError ||
      error instanceof FlagError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`${command}: ${errorMessage(error)}\n${isUsage ? `${usage(command)}\n` : ""}`);
    process.exit(isUsage ? 2 : 1);
  });
}

/** Run as a file (npm run start:a2a-agent), not imported by the command line. */
function isEntryFile(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryFile()) void launchAgent(process.argv.slice(2));
