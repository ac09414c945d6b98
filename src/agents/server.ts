/**
 * Our A2A agent over HTTP: an express app serving the agent card, the SDK's JSON-RPC and REST handlers, and a
 * backend behind them. Safe by default: it binds 127.0.0.1; it answers 403 to a request whose Host or Origin is
 * not one of its names (DNS rebinding) and 401 to one without its token (always set: generated when not given;
 * the card stays public, as clients read it before they authenticate); callers may only narrow the operator's
 * policy; finished tasks and idle conversations are dropped after a while.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { AgentCard } from "@a2a-js/sdk";
import { DefaultRequestHandler } from "@a2a-js/sdk/server";
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import express, { type ErrorRequestHandler } from "express";
import type { Backend } from "../backends/types.js";
import { invalidInput } from "../core/errors.js";
import { bindNames, isLoopbackHost } from "../core/host-guard.js";
import { agentCard, CARD_PATH, JSONRPC_PATH, REST_PATH } from "./agent-card.js";
import { bearerAuth } from "./bearer-auth.js";
import { Conversations, DEFAULT_CONVERSATION_RETENTION } from "./conversations.js";
import { BackendAgentExecutor } from "./executor.js";
import { hostCheck } from "./host-check.js";
import { type CallerPolicy, operatorPolicy } from "./policy.js";
import type { Retention } from "./retention.js";
import { BoundedTaskStore, DEFAULT_TASK_RETENTION } from "./task-store.js";
import { Workspace } from "./workspace.js";

/** How often finished tasks and idle conversations past their time are looked for. */
const SWEEP_MS = 60_000;

export interface A2aAgentOptions {
  /** The backend each turn runs on (CodexBackend, ClaudeBackend, or a test backend). */
  backend: Backend;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (any free port: read it from `url`). */
  port?: number;
  /**
   * Every request but the agent card needs `Authorization: Bearer <token>`. When omitted, a random token is made
   * (read it from the returned `token`); binding a non-loopback `host` without one is refused.
   */
  token?: string;
  /** What callers may ask of the backend in `metadata.backend_config`; default `operatorPolicy()` (the defaults). */
  policy?: CallerPolicy;
  /** Finished tasks kept for GetTask/ListTasks; default 50, for 15 minutes. */
  finishedTasks?: Partial<Retention>;
  /** Idle conversations kept (a forgotten one starts afresh); default 1000, for 24 hours. */
  idleConversations?: Partial<Retention>;
  /** When set, turns may only run in this directory or below it (symlinks resolved). */
  root?: string;
  /** The cwd of a conversation whose first message names none; default `root`, else the process's cwd. */
  defaultCwd?: string;
  /** Base URL the card advertises, when callers reach the agent by another name (a proxy, a 0.0.0.0 bind). */
  publicUrl?: string;
  /** Largest request body; default "10mb" (the SDK alone allows 100 KB). */
  bodyLimit?: string;
  /** How long a cancel waits for the backend to stop before the task is marked cancelled anyway. */
  cancelGraceMs?: number;
}

export interface A2aAgent {
  /** The agent's base URL: what the remote_a2a backend takes as `backend_config.agent_url`. */
  url: string;
  cardUrl: string;
  /** The port it listens on (the URL may advertise another, with `publicUrl`). */
  port: number;
  /** The bearer token callers must send: the one given, or the one generated. */
  token: string;
  /** Cancels running turns, then stops the server. */
  close(): Promise<void>;
}

export async function startA2aAgent(options: A2aAgentOptions): Promise<A2aAgent> {
  const host = options.host ?? "127.0.0.1";
  // Only this machine reaches a loopback address: a token printed to its terminal is enough there.
  if (!options.token && !isLoopbackHost(host)) {
    throw invalidInput(
      "token",
      `binding ${host} (not a loopback address) needs a token given by the operator (--token or ORCHESTRATION_A2A_TOKEN): anyone who reaches the port could otherwise run turns here`,
    );
  }
  const token = options.token || randomBytes(32).toString("base64url");
  const conversations = new Conversations({
    ...DEFAULT_CONVERSATION_RETENTION,
    ...options.idleConversations,
  });
  const tasks = new BoundedTaskStore({ ...DEFAULT_TASK_RETENTION, ...options.finishedTasks });
  const executor = new BackendAgentExecutor(options.backend, {
    workspace: new Workspace(options.root, options.defaultCwd),
    policy: options.policy ?? operatorPolicy(),
    conversations,
    ...(options.cancelGraceMs === undefined ? {} : { cancelGraceMs: options.cancelGraceMs }),
  });
  const app = express();
  app.disable("x-powered-by");
  const server = createServer(app);
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const url = (options.publicUrl ?? `http://${urlHost(host)}:${port}`).replace(/\/+$/, "");
  const sweeper = setInterval(() => {
    tasks.sweep();
    conversations.sweep();
  }, SWEEP_MS).unref();

  const card = agentCard({ baseUrl: url, backend: options.backend.name, requiresToken: true });
  const handler = new DefaultRequestHandler(card, tasks, executor);
  // The SDK's card handler would send its in-memory shape (`$case` unions); the spec's JSON is what any client
  // reads, and the SDK's own resolver turns it back.
  const cardJson = AgentCard.toJSON(card) as AgentCard;
  // Every route, the card included: the bound host, and the name the card advertises (a wildcard bind's).
  app.use(hostCheck([...bindNames(host), urlHost(host), url]));
  app.use(CARD_PATH, agentCardHandler({ agentCardProvider: async () => cardJson }));
  app.use(bearerAuth(token));
  // Parsed here, with our limit, before the SDK's own parsers (which then leave the body alone).
  app.use(
    express.json({
      limit: options.bodyLimit ?? "10mb",
      type: ["application/json", "application/a2a+json"],
      strict: false,
    }),
  );
  app.use(
    JSONRPC_PATH,
    jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );
  app.use(REST_PATH, restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  app.use(bodyErrors);

  let closing: Promise<void> | undefined;
  return {
    url,
    cardUrl: `${url}${CARD_PATH}`,
    port,
    token,
    close: () => {
      closing ??= (async () => {
        clearInterval(sweeper);
        await executor.shutdown();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Streams (SSE) and idle keep-alive connections would hold close() open.
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The host as it goes into a URL: a wildcard bind is advertised by the machine's name. */
function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return hostname();
  return host.includes(":") ? `[${host}]` : host;
}

/** A body too big or not JSON: a JSON answer (a JSON-RPC error on the JSON-RPC path) instead of express's HTML. */
const bodyErrors: ErrorRequestHandler = (error, req, res, next) => {
  const status = typeof error?.status === "number" ? error.status : 500;
  if (res.headersSent || (error?.type !== "entity.too.large" && error?.type !== "entity.parse.failed")) {
    next(error);
    return;
  }
  const message =
    error.type === "entity.too.large"
      ? `request body too large (limit ${error.limit} bytes)`
      : "invalid JSON body";
  if (req.originalUrl.startsWith(JSONRPC_PATH)) {
    res.status(status).json({
      jsonrpc: "2.0",
      id: null,
      error: { code: error.type === "entity.too.large" ? -32600 : -32700, message },
    });
  } else res.status(status).json({ error: message });
};
