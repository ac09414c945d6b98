/** The real claude_code backend (real SDK, real binary) pointed at the fake Messages server, inside an engine. */
import { ClaudeBackend } from "../../src/backends/claude/claude-backend.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { type FakeMessages, startFakeMessages } from "../../src/sim/messages-server.js";
import { tempDir } from "./temp.js";

export interface ClaudeFixture {
  engine: Engine;
  fake: FakeMessages;
  cwd: string;
  home: string;
  spawn(prompt: string, extra?: Record<string, unknown>): ReturnType<Engine["spawnRun"]>;
  close(): Promise<void>;
}

export async function claudeFixture(): Promise<ClaudeFixture> {
  const fake = await startFakeMessages();
  const home = tempDir("orch-claude-home-");
  // CLAUDECODE=1 as in a server that Claude Code itself started: the backend must remove it.
  const env = { ...process.env, ...fake.claudeEnv(home), CLAUDECODE: "1", CLAUDE_CODE_ENTRYPOINT: "cli" };
  const engine = new Engine(
    { ...configFromEnv({}), home: tempDir("orch-home-"), cancelGraceMs: 6_000 },
    new Map([["claude_code", new ClaudeBackend(env)]]),
  );
  const cwd = tempDir("orch-claude-cwd-");
  return {
    engine,
    fake,
    cwd,
    home,
    spawn: (prompt, extra = {}) =>
      engine.spawnRun({ backend: "claude_code", role: "worker", cwd, prompt, ...extra }),
    close: async () => {
      await engine.shutdown();
      await fake.close();
    },
  };
}
