/** The demo's top-level agent: the built server started over stdio with the MCP SDK's own client. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage } from "../core/errors.js";
import { VERSION } from "../version.js";

export interface DemoClient {
  /** structuredContent of a successful call; throws with the error text otherwise. */
  call<T>(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<T>;
  /** The last few KB the server wrote to stderr (shown when something goes wrong). */
  stderr(): string;
  /** Closes stdin: the server ends. */
  close(): Promise<void>;
}

const STDERR_KEEP = 8 * 1024;

/** `dist/index.js`, whether this file runs from dist/demo or (under tsx) from src/demo. */
export function serverEntry(): string {
  for (const candidate of ["../index.js", "../../dist/index.js"]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("dist/index.js is missing: run `npm run build` first");
}

export async function connectServer(env: Record<string, string>, cwd: string): Promise<DemoClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverEntry()],
    env,
    cwd,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
  });
  const client = new Client({ name: "orchestration-mcp-demo", version: VERSION });
  try {
    await client.connect(transport);
  } catch (error) {
    const said = stderr.trim();
    throw new Error(`${errorMessage(error)}${said ? `\nThe server said:\n${said}` : ""}`);
  }
  return {
    async call<T>(name: string, args: Record<string, unknown>, signal?: AbortSignal) {
      // The SDK leaves its listener on the signal it is given: give it one per call, so the caller's long-lived
      // signal does not collect a listener per poll.
      const own = new AbortController();
      const abort = () => own.abort(signal?.reason);
      if (signal?.aborted) abort();
      signal?.addEventListener("abort", abort, { once: true });
      let result: CallToolResult;
      try {
        result = (await client.callTool({ name, arguments: args }, undefined, {
          signal: own.signal,
          timeout: 60_000,
        })) as CallToolResult;
      } finally {
        signal?.removeEventListener("abort", abort);
      }
      if (result.isError) {
        const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
        throw new Error(`${name}: ${text}`);
      }
      return result.structuredContent as T;
    },
    stderr: () => stderr,
    close: () => client.close(),
  };
}
