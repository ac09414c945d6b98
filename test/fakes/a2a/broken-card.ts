/**
 * A server whose agent card is broken in a chosen way, for testing how a client reports a bad card:
 * - "not-found":  404 on /.well-known/agent-card.json
 * - "not-json":   200 with an HTML page
 * - "not-a-card": 200 with JSON that is no agent card (`{"hello": "world"}`)
 * - "no-interfaces": a v1.0-shaped card whose supportedInterfaces is empty
 */
import { createServer } from "node:http";
import { listenOnLoopback, type RecordedRequest } from "./common.js";

export type BrokenCardKind = "not-found" | "not-json" | "not-a-card" | "no-interfaces";

export interface BrokenCardServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startBrokenCardServer(kind: BrokenCardKind): Promise<BrokenCardServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: { ...req.headers },
      body: undefined,
    });
    req.resume();
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (kind === "not-found") {
      json(404, { error: "not found" });
    } else if (kind === "not-json") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><html><body>Welcome to nginx!</body></html>");
    } else if (kind === "not-a-card") {
      json(200, { hello: "world" });
    } else {
      json(200, {
        name: "no interfaces",
        description: "a card without any interface",
        version: "1.0.0",
        supportedInterfaces: [],
        capabilities: { streaming: true },
        defaultInputModes: ["text/plain"],
        defaultOutputModes: ["text/plain"],
        skills: [],
      });
    }
  });
  return { ...(await listenOnLoopback(server)), requests };
}
