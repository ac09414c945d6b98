/**
 * The real codex CLI against the fake Responses server: a stored config still starts codex after a restart, and
 * the commands codex runs do not see the server's own secrets.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { CodexBackend } from "../../src/backends/codex/codex-backend.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { startFakeResponses } from "../../src/sim/responses-server.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

const A2A_TOKEN = "a2aSECRETi9";
const fake = await startFakeResponses();
const codexHome = tempDir("orch-codex-home-");
const env = { ...process.env, ORCHESTRATION_A2A_TOKEN: A2A_TOKEN, ...fake.codexEnv(codexHome) };
const home = tempDir("orch-home-");
const cwd = tempDir("orch-codex-cwd-");
const engines: Engine[] = [];
after(async () => {
  for (const engine of engines) await engine.shutdown();
  await fake.close();
});

function engine(): Engine {
  const made = new Engine(
    { ...configFromEnv({}), home, cancelGraceMs: 5_000 },
    new Map([["codex", new CodexBackend(env)]]),
  );
  engines.push(made);
  return made;
}

test("a session with model_auto_compact_token_limit continues after a restart (the number is stored, not redacted)", async () => {
  const first = engine();
  const run = first.spawnRun({
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "one [[say:first]]",
    backend_config: { config: { ...fake.codexConfig(), model_auto_compact_token_limit: 200000 } },
  });
  assert.equal(await waitForStatus(first, run.run_id, ["completed", "failed"], 60_000), "completed");
  await first.shutdown();

  const second = engine();
  const next = await second.continueRun({ run_id: run.run_id, prompt: "two [[say:second]]" });
  assert.equal(
    await waitForStatus(second, next.run_id, ["completed", "failed"], 60_000),
    "completed",
    JSON.stringify(second.getRun(next.run_id).error),
  );
  assert.equal(second.getRun(next.run_id).result?.final_response, "second");
});

test("a command codex runs does not see ORCHESTRATION_A2A_TOKEN, and does see the run tag", async () => {
  const live = engine();
  const run = live.spawnRun({
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "show env [[exec:env]]",
    backend_config: { config: fake.codexConfig() },
  });
  assert.equal(await waitForStatus(live, run.run_id, ["completed", "failed"], 60_000), "completed");
  const finished = (await allEvents(live, run.run_id)).find((e) => e.type === "command_finished");
  const stdout = String(finished?.data.stdout);
  assert.match(stdout, new RegExp(`ORCHESTRATION_MCP_RUN=${run.run_id}`));
  assert.doesNotMatch(stdout, /ORCHESTRATION_A2A_TOKEN|a2aSECRETi9/);
});
