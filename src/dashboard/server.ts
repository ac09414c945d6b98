/**
 * The dashboard (issue 6): a read-only local web server over the engine's public API. Pages are self-contained
 * (inline CSS and script, nothing loaded from elsewhere); data reaches them as JSON and server-sent events and is
 * put on the page with textContent only, since runs hold untrusted agent output. Every request passes access.ts
 * first (this machine's Host and Origin, this start's token), since those runs hold every prompt on the machine.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { errorMessage, OrchestratorError } from "../core/errors.js";
import { isTerminal, RUN_STATUSES, type RunStatus } from "../core/run.js";
import type { Engine } from "../engine/engine.js";
import type { ListRequest } from "../engine/requests.js";
import { dashboardAccess, type Verdict } from "./access.js";
import { listen } from "./listen.js";
import { listPage, runPage, unauthorizedPage } from "./pages.js";

export interface DashboardOptions {
  engine: Engine;
  host?: string;
  /** 0 picks a free port; a busy one falls back to a free one. */
  port?: number;
  /** How often /api/runs/stream pushes the list. */
  listIntervalMs?: number;
}

export interface Dashboard {
  /** The URL to open: it carries the access token, which the first page load trades for a cookie. */
  url: string;
  /** This start's access token, also accepted as `Authorization: Bearer <token>`. */
  token: string;
  /** The asked port, when it was busy and another was taken. */
  busyPort?: number;
  /** Bound to an address other machines can reach. */
  exposed: boolean;
  close(): Promise<void>;
}

const EVENTS_WAIT_MS = 15_000;
const LIST_LIMIT = 200;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function statusOf(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof OrchestratorError) {
    const status = error.code === "not_found" ? 404 : error.code === "invalid_input" ? 400 : 500;
    return { status, code: error.code, message: error.message };
  }
  return { status: 500, code: "internal_error", message: errorMessage(error) };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(text);
}

function sendHtml(res: ServerResponse, page: (nonce: string) => string, status = 200): void {
  const nonce = randomBytes(16).toString("base64");
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // Nothing from outside the machine, and no script but ours.
    "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  });
  res.end(page(nonce));
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
}

function sse(res: ServerResponse, event: string, data: unknown, id?: number): void {
  res.write(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function optionalInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new HttpError(
      400,
      "invalid_input",
      `${name}: expected a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Number(raw);
}

function listRequest(query: URLSearchParams): ListRequest {
  const text = (name: string) => query.get(name) || undefined;
  const status = text("status");
  if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
    throw new HttpError(400, "invalid_input", `status: expected one of ${RUN_STATUSES.join(", ")}`);
  }
  return {
    status: status as RunStatus | undefined,
    backend: text("backend"),
    role: text("role"),
    cwd: text("cwd"),
    session_id: text("session_id"),
    limit: optionalInt(query, "limit") ?? LIST_LIMIT,
    cursor: text("cursor"),
  };
}

/** Closes when the client goes away. */
function closeSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  req.on("close", stop);
  res.on("close", stop);
  return controller.signal;
}

async function streamEvents(
  engine: Engine,
  runId: string,
  after: number,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  engine.getRun(runId); // 404/400 before the stream starts
  startSse(res);
  let afterSeq = after;
  let lastRun = "";
  while (!signal.aborted) {
    const page = await engine.pollEvents({
      run_id: runId,
      after_seq: afterSeq,
      wait_ms: EVENTS_WAIT_MS,
      limit: 1000,
      signal,
    });
    if (signal.aborted) break;
    for (const event of page.events) sse(res, "run_event", event, event.seq);
    afterSeq = page.next_after_seq;
    const run = engine.getRun(runId);
    const runText = JSON.stringify(run);
    if (runText !== lastRun) {
      lastRun = runText;
      res.write(`event: run\ndata: ${runText}\n\n`);
    }
    if (page.events.length === 0) res.write(": keepalive\n\n");
    if (isTerminal(page.status) && !page.has_more && page.events.length === 0) {
      sse(res, "end", { status: run.status, last_seq: afterSeq });
      break;
    }
  }
  res.end();
}

function streamList(engine: Engine, res: ServerResponse, signal: AbortSignal, intervalMs: number): void {
  startSse(res);
  let last = "";
  const push = () => {
    try {
      const text = JSON.stringify(engine.listRuns({ limit: LIST_LIMIT }));
      // Unchanged lists still go out (ages move on), but as a small heartbeat when nothing changed.
      if (text !== last) {
        last = text;
        res.write(`event: runs\ndata: ${text}\n\n`);
      } else res.write(": unchanged\n\n");
    } catch (error) {
      sse(res, "failure", statusOf(error));
    }
  };
  push();
  const timer = setInterval(push, intervalMs);
  signal.addEventListener("abort", () => {
    clearInterval(timer);
    res.end();
  });
}

/** Answers a request that may not be served (or that trades its token for the cookie); true when it may. */
function admitted(verdict: Verdict, req: IncomingMessage, res: ServerResponse): boolean {
  switch (verdict.kind) {
    case "pass":
      return true;
    case "forbidden":
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      res.end(`forbidden: ${verdict.reason}\n`);
      return false;
    case "admit":
      res.writeHead(303, {
        location: verdict.location,
        "set-cookie": verdict.cookie,
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
      });
      res.end();
      return false;
    case "unauthorized":
      if (/^\/+api(?:[/?]|$)/.test(req.url ?? "")) {
        res.setHeader("www-authenticate", "Bearer");
        sendJson(res, 401, {
          error: {
            code: "unauthorized",
            message: "open the URL `orchestration-mcp dashboard` printed, or send its token",
          },
        });
      } else sendHtml(res, unauthorizedPage, 401);
      return false;
  }
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { engine } = options;
  const host = options.host ?? "127.0.0.1";
  const intervalMs = options.listIntervalMs ?? 1000;
  const open = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      throw new HttpError(405, "method_not_allowed", "the dashboard is read-only: GET only");
    }
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const query = url.searchParams;
    if (parts.length === 0) return sendHtml(res, listPage);
    if (parts[0] === "runs" && parts.length === 2) {
      engine.getRun(parts[1] as string); // an unknown or malformed id answers 404/400, not an empty page
      return sendHtml(res, runPage);
    }
    if (parts[0] !== "api" || parts[1] !== "runs")
      throw new HttpError(404, "not_found", `no page ${url.pathname}`);
    const signal = closeSignal(req, res);
    if (parts.length === 2) return sendJson(res, 200, engine.listRuns(listRequest(query)));
    if (parts.length === 3 && parts[2] === "stream") return streamList(engine, res, signal, intervalMs);
    const runId = parts[2] as string;
    if (parts.length === 3) return sendJson(res, 200, engine.getRun(runId));
    if (parts.length === 4 && parts[3] === "events") {
      const lastId = req.headers["last-event-id"];
      const resume = typeof lastId === "string" && /^\d+$/.test(lastId) ? Number(lastId) : undefined;
      return streamEvents(engine, runId, resume ?? optionalInt(query, "after") ?? 0, res, signal);
    }
    if (parts.length === 4 && parts[3] === "artifact") {
      const seq = optionalInt(query, "seq");
      if (seq === undefined) throw new HttpError(400, "invalid_input", "seq: required");
      const fieldPath = query.get("field_path");
      if (fieldPath === null) throw new HttpError(400, "invalid_input", "field_path: required");
      return sendJson(
        res,
        200,
        engine.getEventArtifact({
          run_id: runId,
          seq,
          field_path: fieldPath,
          offset: optionalInt(query, "offset") ?? 0,
          limit: optionalInt(query, "limit") ?? 65_536,
        }),
      );
    }
    throw new HttpError(404, "not_found", `no endpoint ${url.pathname}`);
  };

  const server = createServer();
  const bound = await listen(server, host, options.port ?? 0);
  const access = dashboardAccess(host, bound.port);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    if (!admitted(access.check(req), req, res)) return;
    handle(req, res).catch((error: unknown) => {
      const { status, code, message } = statusOf(error);
      if (res.headersSent) {
        if (!res.writableEnded) {
          sse(res, "failure", { code, message });
          res.end();
        }
        return;
      }
      sendJson(res, status, { error: { code, message } });
    });
  });
  return {
    url: `${bound.origin}?token=${access.token}`,
    token: access.token,
    busyPort: bound.busyPort,
    exposed: bound.exposed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
