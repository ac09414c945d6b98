/**
 * The scripted local model provider: the fake Responses and Messages servers on 127.0.0.1, a throwaway
 * CODEX_HOME whose config.toml points codex at the first, and a throwaway HOME for Claude Code pointed at the
 * second. No account, no key of the user's, no request leaves the machine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeMessages, startFakeMessages } from "./messages-server.js";
import { type FakeResponses, startFakeResponses } from "./responses-server.js";

export interface LocalProvider {
  responses: FakeResponses;
  messages: FakeMessages;
  /** Where the CODEX_HOME and HOME live; removed by `close()`. */
  dir: string;
  /** The environment of a process that runs codex (CODEX_HOME with its config.toml). */
  codexEnv: Record<string, string>;
  /** The environment of a process that runs Claude Code (HOME, ANTHROPIC_BASE_URL). */
  claudeEnv: Record<string, string>;
  /** Both at once, for a server that starts either: HOME is Claude's, CODEX_HOME codex's. */
  env: Record<string, string>;
  /** Outside URLs either fake saw a request for (should stay empty). */
  outsideAttempts(): string[];
  /** Stops both fakes and removes the homes. */
  close(): Promise<void>;
}

export async function startLocalProvider(): Promise<LocalProvider> {
  const dir = mkdtempSync(join(tmpdir(), "orchestration-mcp-sim-"));
  const responses = await startFakeResponses();
  const messages = await startFakeMessages().catch(async (error: unknown) => {
    await responses.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const codexHome = join(dir, "codex-home");
  const claudeHome = join(dir, "claude-home");
  for (const home of [codexHome, claudeHome]) mkdirSync(home);
  writeFileSync(join(codexHome, "config.toml"), responses.codexConfigToml());
  const codexEnv = responses.codexEnv(codexHome);
  const claudeEnv = messages.claudeEnv(claudeHome);
  return {
    responses,
    messages,
    dir,
    codexEnv,
    claudeEnv,
    env: { ...codexEnv, ...claudeEnv },
    outsideAttempts: () => [...responses.outsideAttempts, ...messages.outsideAttempts],
    close: async () => {
      await Promise.all([responses.close(), messages.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
