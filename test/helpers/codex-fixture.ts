/** The real codex backend (real SDK, real CLI) pointed at the fake Responses server, inside an engine. */
import { CodexBackend } from "../../src/backends/codex/codex-backend.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { type FakeResponses, startFakeResponses } from "../../src/sim/responses-server.js";
import { tempDir } from "./temp.js";

export interface CodexFixture {
  engine: Engine;
  fake: FakeResponses;
  cwd: string;
  codexHome: string;
  /** spawn_run for codex with the fake's config overrides. */
  spawn(prompt: string, extra?: Record<string, unknown>): ReturnType<Engine["spawnRun"]>;
  close(): Promise<void>;
}

export async function codexFixture(): Promise<CodexFixture> {
  const fake = await startFakeResponses();
  const codexHome = tempDir("orch-codex-home-");
  const env = { ...process.env, ...fake.codexEnv(codexHome) };
  const engine = new Engine(
    { ...configFromEnv({}), home: tempDir("orch-home-"), cancelGraceMs: 5_000 },
    new Map([["codex", new CodexBackend(env)]]),
  );
  const cwd = tempDir("orch-codex-cwd-");
  return {
    engine,
    fake,
    cwd,
    codexHome,
    spawn: (prompt, extra = {}) =>
      engine.spawnRun({
        backend: "codex",
        role: "worker",
        cwd,
        prompt,
        backend_config: { config: fake.codexConfig() },
        ...extra,
      }),
    close: async () => {
      await engine.shutdown();
      await fake.close();
    },
  };
}
