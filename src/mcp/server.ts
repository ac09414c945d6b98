/** The MCP server over stdio, and its orderly shutdown. */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Engine } from "../engine/engine.js";
import { registerTools } from "./tools.js";

export const SERVER_NAME = "orchestration-mcp";

export function createMcpServer(engine: Engine, version: string): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version },
    {
      capabilities: { tools: {} },
      instructions:
        "Launch and steer coding-agent runs. spawn_run starts one and returns at once; follow it with poll_events " +
        "(wait_ms long-polls), answer input_required with continue_run, read the outcome with get_run.",
    },
  );
  registerTools(server, engine);
  return server;
}

/** Serves MCP on stdin/stdout until the client goes away or a signal arrives, then ends every hosted run. */
export async function serveStdio(engine: Engine, version: string): Promise<void> {
  const server = createMcpServer(engine, version);
  const transport = new StdioServerTransport();
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      await engine.shutdown(reason);
      await server.close().catch(() => undefined);
    })();
    return stopping;
  };
  process.stdin.once(
    "end",
    () => void stop("the MCP client closed the connection").then(() => process.exit(0)),
  );
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.once(signal, () => void stop(`the server received ${signal}`).then(() => process.exit(0)));
  }
  await server.connect(transport);
}
