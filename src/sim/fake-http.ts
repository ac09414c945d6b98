/**
 * The HTTP plumbing the fake model servers share: a node:http server on 127.0.0.1 (a free port) that hands each
 * request to `handle` with its body parsed, counts open connections, turns away CONNECT (the proxy variables the
 * fakes set point here, so an outside request shows up as one), and on close cancels pending timers and drops
 * every connection. Plus the small JSON/SSE helpers both fakes answer with.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Json = Record<string, unknown>;

/** Gets the body as parsed JSON, or the raw text when it is not JSON, or null when empty. */
/** One HTTP request a fake received; each fake adds what it answered. */
export interface RecordedRequestBase {
  method: string;
  /** Path with query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it is not JSON, or null when empty. */
  body: unknown;
  /** The latest real user prompt of a model call; null when none was found. */
  prompt: string | null;
  /** Milliseconds since the fake started. */
  at: number;
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse, body: unknown) => void;

export interface FakeHttp {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** CONNECT targets seen; handlers add the outside URLs of plain-http proxied requests. */
  outsideAttempts: string[];
  /** Open TCP connections. */
  activeConnections(): number;
  /** Run `fn` after `ms`, unless `close()` comes first. */
  later(ms: number, fn: () => void): void;
  close(): Promise<void>;
}

/** `headers` go on every response (on top of those the handler writes). */
export async function startFakeHttp(
  handle: FakeHandler,
  headers: Record<string, string> = {},
): Promise<FakeHttp> {
  const outsideAttempts: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = null;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      handle(req, res, body);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("connect", (req: IncomingMessage, socket: Socket) => {
    outsideAttempts.push(req.url ?? "?");
    socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    outsideAttempts,
    activeConnections: () => sockets.size,
    later: (ms, fn) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
}

export function writeEvent(res: ServerResponse, type: string, data: Json): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A minimal value satisfying a JSON schema: strings `text`, numbers 42, every property filled in. */
export function instanceOf(schema: unknown, text = "42"): unknown {
  if (!isObject(schema)) return null;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ("const" in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const props = isObject(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, instanceOf(v, text)]));
    }
    case "array":
      return [];
    case "string":
      return text;
    case "number":
    case "integer":
      return 42;
    case "boolean":
      return true;
    default:
      return null;
  }
}
