/**
 * Our A2A agent over HTTP: an express app serving the agent card, the SDK's JSON-RPC and REST handlers, and a
 * backend behind them. Safe by default: it binds 127.0.0.1, and with a token it answers 401 to any request
 * without it (the card stays public, as clients read it before they authenticate).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { AgentCard } from "@a2a-js/sdk";
import { DefaultRequestHandler, InMemoryTaskStore } from "@a2a-js/sdk/server";
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import express, { type ErrorRequestHandler } from "express";
import type { Backend } from "../backends/types.js";
import { agentCard, CARD_PATH, JSONRPC_PATH, REST_PATH } from "./agent-card.js";
import { bearerAuth } from "./bearer-auth.js";
import { BackendAgentExecutor } from "./executor.js";
import { Workspace } from "./workspace.js";

export interface A2aAgentOptions {
  /** The backend each turn runs on (CodexBackend, ClaudeBackend, or a test backend). */
  backend: Backend;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (any free port: read it from `url`). */
  port?: number;
  /** When set, every request but the agent card needs `Authorization: Bearer <token>`. */
  token?: string;
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
  /** Cancels running turns, then stops the server. */
  close(): Promise<void>;
}

export async function startA2aAgent(options: A2aAgentOptions): Promise<A2aAgent> {
  const host = options.host ?? "127.0.0.1";
  const workspace = new Workspace(options.root, options.defaultCwd);
  const executor = new BackendAgentExecutor(options.backend, workspace, options.cancelGraceMs);
  const app = express();
  app.disable("x-powered-by");
  const server = createServer(app);
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const url = (options.publicUrl ?? `http://${urlHost(host)}:${port}`).replace(/\/+$/, "");

  const card = agentCard({ baseUrl: url, backend: options.backend.name, requiresToken: !!options.token });
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  // The SDK's card handler would send its in-memory shape (`$case` unions); the spec's JSON is what any client
  // reads, and the SDK's own resolver turns it back.
  const cardJson = AgentCard.toJSON(card) as AgentCard;
  app.use(CARD_PATH, agentCardHandler({ agentCardProvider: async () => cardJson }));
  if (options.token) app.use(bearerAuth(options.token));
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
    close: () => {
      closing ??= (async () => {
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
