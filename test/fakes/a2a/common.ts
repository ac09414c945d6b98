/**
 * Plumbing the hand-written A2A test agents share: an express app on 127.0.0.1 (a free port) with a JSON body
 * parser mounted first (the SDK's own parser stops at 100 KB), a recorder for every request (headers included), an
 * optional bearer-token gate on the A2A endpoints (the agent card stays public), and the marker parsing that picks a
 * scenario from the text of the incoming message.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import express, { type Express, type NextFunction, type Request, type Response } from "express";

/** One HTTP request the agent received (card fetches included), in arrival order. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query, e.g. `/a2a/jsonrpc` or `/a2a/rest/message:stream`. */
  path: string;
  /** Lower-cased header names, as node gives them. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined for GET). */
  body: unknown;
  /** The JSON-RPC method when the body is a JSON-RPC request (`SendMessage`, `message/send`, ...). */
  rpcMethod?: string;
  /** HTTP status the agent answered with (set when the response finishes). */
  status?: number;
  /** When it came in, and when its connection closed (a stream the client hung up on), by performance.now(). */
  at?: number;
  closedAt?: number;
}

/** What the executor saw for one incoming message (one `execute` call). */
export interface SeenMessage {
  taskId: string;
  contextId: string;
  /** Text parts joined with "\n". */
  text: string;
  /** The message metadata (where a client puts e.g. its cwd). */
  metadata: Record<string, unknown> | undefined;
  /** The send request's own metadata (1.x: `SendMessageRequest.metadata`; 0.3: `params.metadata`). */
  requestMetadata: Record<string, unknown> | undefined;
  /** Scenario marker this message chose (`say`, `input`, ...), or `followup` for an answer to a pending task. */
  scenario: string;
}

/** What every start*Agent function returns. */
export interface FakeA2AAgent {
  /** Base URL `http://127.0.0.1:PORT`; the card is at `${url}/.well-known/agent-card.json`. */
  url: string;
  /** `${url}/.well-known/agent-card.json`. */
  cardUrl: string;
  /** Every HTTP request, in order. */
  requests: RecordedRequest[];
  /** Every message the executor handled, in order (taskId/contextId it ran under). */
  messages: SeenMessage[];
  /** Resolve once `n` messages have been seen (tests use it to know the agent is working). */
  waitForMessages(n: number, timeoutMs?: number): Promise<void>;
  /** Task ids that got a cancel request (through the executor's cancelTask). */
  canceled: string[];
  close(): Promise<void>;
}

export interface AgentOptions {
  /** Require `Authorization: Bearer <token>` on the JSON-RPC / REST endpoints (401 otherwise). */
  token?: string;
  /** Body limit for express.json (default "10mb"). */
  bodyLimit?: string;
  /** Agent name in the card. */
  name?: string;
}

export interface Scenario {
  kind: string;
  /** The argument of `[[say:TEXT]]`. */
  arg?: string;
}

const MARKER = /\[\[([a-z-]+)(?::([\s\S]*?))?\]\]/;

/** The first `[[kind]]` or `[[kind:arg]]` marker in the text, or `{kind: "default"}`. */
export function parseScenario(text: string): Scenario {
  const m = MARKER.exec(text);
  if (!m?.[1]) return { kind: "default" };
  return m[2] === undefined ? { kind: m[1] } : { kind: m[1], arg: m[2] };
}

export const BIG_ARTIFACT_BYTES = 100 * 1024;

/** A deterministic 100 KB text ("0123456789" repeated). */
export function bigText(bytes = BIG_ARTIFACT_BYTES): string {
  return "0123456789".repeat(Math.ceil(bytes / 10)).slice(0, bytes);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A promise with its resolver, for `[[hang]]` waiting on cancelTask. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface AppShell {
  app: Express;
  url: string;
  requests: RecordedRequest[];
  messages: SeenMessage[];
  canceled: string[];
  /** Adds a SeenMessage (and wakes waitForMessages). */
  record(m: SeenMessage): void;
  waitForMessages(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:0 first (so the card can carry the real URL), then hands back the express app with the body
 * parser, the recorder and the token gate mounted; the caller adds the SDK handlers.
 * `protectedPrefix` is the path prefix the token gate covers (the A2A endpoints).
 */
export async function startAppShell(opts: AgentOptions, protectedPrefix: string): Promise<AppShell> {
  const app = express();
  const requests: RecordedRequest[] = [];
  const messages: SeenMessage[] = [];
  const canceled: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];

  app.use(
    express.json({ limit: opts.bodyLimit ?? "10mb", type: ["application/json", "application/*+json"] }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    const body: unknown = req.body;
    const rec: RecordedRequest = {
      method: req.method,
      path: req.originalUrl,
      headers: { ...req.headers },
      body,
      at: performance.now(),
    };
    res.on("close", () => {
      rec.closedAt = performance.now();
    });
    if (body && typeof body === "object" && "jsonrpc" in body && "method" in body) {
      rec.rpcMethod = String((body as { method: unknown }).method);
    }
    requests.push(rec);
    res.on("finish", () => {
      rec.status = res.statusCode;
    });
    next();
  });
  if (opts.token !== undefined) {
    const expected = `Bearer ${opts.token}`;
    app.use(protectedPrefix, (req: Request, res: Response, next: NextFunction) => {
      if (req.headers.authorization === expected) {
        next();
        return;
      }
      // Plain text, like a reverse proxy would answer: the SDK client then throws a plain Error whose message
      // holds the status ("... 401 Unauthorized ...").
      res
        .status(401)
        .set("WWW-Authenticate", 'Bearer realm="a2a-fake"')
        .type("text/plain")
        .send("Unauthorized");
    });
  }

  const { url, close } = await listenOnLoopback(createServer(app));

  const record = (m: SeenMessage) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (messages.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  return {
    app,
    url,
    requests,
    messages,
    canceled,
    record,
    waitForMessages: (n, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        if (messages.length >= n) {
          resolve();
          return;
        }
        const timer = setTimeout(
          () => reject(new Error(`waited ${timeoutMs} ms for ${n} messages, saw ${messages.length}`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close,
  };
}

/** Listens on a free 127.0.0.1 port; `close` also ends open connections (streams, keep-alive). */
export async function listenOnLoopback(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
