/** The one place where answers and errors become MCP tool results. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage, OrchestratorError } from "../core/errors.js";

export function toolResult(value: object): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(value) }],
    structuredContent: value as Record<string, unknown>,
  };
}

export function toolError(error: unknown): CallToolResult {
  const code = error instanceof OrchestratorError ? error.code : "internal_error";
  const message = errorMessage(error);
  if (!(error instanceof OrchestratorError))
    process.stderr.write(`orchestration-mcp: ${(error as Error)?.stack ?? message}\n`);
  // No structuredContent: MCP clients validate it against the tool's output schema even on errors.
  return { isError: true, content: [{ type: "text", text: `${code}: ${message}` }] };
}

/** LLM callers send null for an optional field they mean to leave out. */
export function withoutNulls<T extends Record<string, unknown>>(
  args: T,
): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) if (value !== null) out[key] = value;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}
