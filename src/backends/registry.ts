/**
 * The backends this server runs, by the name callers pass as `backend`. Adding one is one entry here. Each loads
 * its SDK on its first run (see lazy-backend.ts).
 */
import { a2aConfig } from "./a2a/options.js";
import { claudeConfig } from "./claude/options.js";
import { codexOptions } from "./codex/options.js";
import { LazyBackend } from "./lazy-backend.js";
import { endRunProcesses } from "./process-tree.js";
import type { Backend } from "./types.js";

export function defaultBackends(env: NodeJS.ProcessEnv = process.env): Map<string, Backend> {
  const backends = [
    new LazyBackend({
      name: "codex",
      validateConfig: (config) => codexOptions(config, env),
      takesInput: false,
      cleanup: endRunProcesses,
      load: async () => new (await import("./codex/codex-backend.js")).CodexBackend(env),
    }),
    new LazyBackend({
      name: "claude_code",
      validateConfig: (config) => claudeConfig(config, env),
      takesInput: true,
      cleanup: endRunProcesses,
      load: async () => new (await import("./claude/claude-backend.js")).ClaudeBackend(env),
    }),
    new LazyBackend({
      name: "remote_a2a",
      validateConfig: (config) => a2aConfig(config, env),
      takesInput: true,
      load: async () => new (await import("./a2a/a2a-backend.js")).A2aBackend(env),
    }),
  ];
  return new Map(backends.map((backend) => [backend.name, backend]));
}
