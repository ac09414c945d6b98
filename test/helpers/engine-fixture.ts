/** An engine over a temporary home and cwd, with the scripted backend registered as `codex`. */

import type { RunStatus } from "../../src/core/run.js";
import { configFromEnv, type EngineConfig } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { ScriptedBackend, type Step } from "./scripted-backend.js";
import { tempDir } from "./temp.js";

export interface Fixture {
  engine: Engine;
  backend: ScriptedBackend;
  home: string;
  cwd: string;
}

export function makeEngine(
  overrides: Partial<EngineConfig> = {},
  home = tempDir("orch-home-"),
  backendName = "codex",
): Fixture {
  const backend = new ScriptedBackend(backendName);
  const config = { ...configFromEnv({}), home, cancelGraceMs: 2_000, ...overrides };
  const engine = new Engine(config, new Map([[backend.name, backend]]));
  return { engine, backend, home, cwd: tempDir("orch-cwd-") };
}

export function spawnScript(f: Fixture, script: Step[], extra: Record<string, unknown> = {}) {
  return f.engine.spawnRun({
    backend: f.backend.name,
    role: "worker",
    cwd: f.cwd,
    prompt: "scripted",
    backend_config: { script },
    ...extra,
  });
}

/** Long-polls until the run reaches one of `statuses` (or fails the test after `ms`). */
export async function waitForStatus(
  engine: Engine,
  runId: string,
  statuses: RunStatus[],
  ms = 10_000,
): Promise<RunStatus> {
  const deadline = Date.now() + ms;
  let after = 0;
  while (Date.now() < deadline) {
    const status = engine.getRun(runId).status;
    if (statuses.includes(status)) return status;
    const page = await engine.pollEvents({ run_id: runId, after_seq: after, wait_ms: 200, limit: 1000 });
    after = page.next_after_seq;
  }
  throw new Error(
    `run ${runId} did not reach ${statuses.join("/")} within ${ms} ms (is ${engine.getRun(runId).status})`,
  );
}

export async function allEvents(engine: Engine, runId: string) {
  const events = [];
  let after = 0;
  for (;;) {
    const page = await engine.pollEvents({ run_id: runId, after_seq: after, limit: 1000 });
    events.push(...page.events);
    after = page.next_after_seq;
    if (!page.has_more) return events;
  }
}

/** Pages an artifact back whole through the engine. */
export function readArtifact(
  engine: Engine,
  runId: string,
  seq: number,
  fieldPath: string,
  limit = 65_536,
): string {
  let offset = 0;
  let text = "";
  for (;;) {
    const page = engine.getEventArtifact({ run_id: runId, seq, field_path: fieldPath, offset, limit });
    text += page.content;
    offset = page.next_offset;
    if (!page.has_more) return text;
  }
}
