/** Starts a server over stdio with the MCP SDK's own client, as an MCP host would. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface Connected {
  client: Client;
  transport: StdioClientTransport;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** structuredContent of a successful call; throws with the error text otherwise. */
  ok<T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function connect(args: string[], env: Record<string, string>, cwd?: string): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    cwd,
    stderr: "pipe",
  });
  const client = new Client({ name: "orchestration-mcp-tests", version: "0.0.0" });
  await client.connect(transport);
  const call = async (name: string, a: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: a })) as CallToolResult;
  return {
    client,
    transport,
    call,
    async ok<T>(name: string, a: Record<string, unknown>) {
      const result = await call(name, a);
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

export const errorText = (result: CallToolResult): string =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

export interface PolledEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Long-polls a run over MCP until its status is one of `statuses` and every event so far is read; returns the
 * status and the events seen.
 */
export async function pollUntil(
  mcp: Connected,
  runId: string,
  statuses: string[],
): Promise<{ status: string; events: PolledEvent[] }> {
  const events: PolledEvent[] = [];
  let after = 0;
  // A deadline, not a count of polls: a poll answers as soon as there are events, so a busy run takes many.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const page = await mcp.ok<{
      status: string;
      events: PolledEvent[];
      next_after_seq: number;
      has_more: boolean;
    }>("poll_events", { run_id: runId, after_seq: after, wait_ms: 10_000, limit: 1000 });
    events.push(...page.events);
    after = page.next_after_seq;
    if (statuses.includes(page.status) && !page.has_more) return { status: page.status, events };
  }
  throw new Error(`run ${runId} did not reach ${statuses.join("/")} within 120 s`);
}
