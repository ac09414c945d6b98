/** The backends this server runs, by the name callers pass as `backend`. Adding one is one line here. */
import { A2aBackend } from "./a2a/a2a-backend.js";
import { ClaudeBackend } from "./claude/claude-backend.js";
import { CodexBackend } from "./codex/codex-backend.js";
import type { Backend } from "./types.js";

export function defaultBackends(env: NodeJS.ProcessEnv = process.env): Map<string, Backend> {
  const backends: Backend[] = [new CodexBackend(env), new ClaudeBackend(env), new A2aBackend(env)];
  return new Map(backends.map((backend) => [backend.name, backend]));
}
