/** An answer to a remote agent's auth-required goes to the agent, and nowhere on disk: the real remote_a2a path. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { A2aBackend } from "../../src/backends/a2a/a2a-backend.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { STORE_DIR } from "../../src/store/paths.js";
import { AUTH_PROMPT, startScenarioAgent } from "../fakes/a2a/index.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";
import { filesContaining } from "../helpers/files.js";
import { tempDir } from "../helpers/temp.js";

test("an auth-required answer with a token and a password reaches the agent; no file under the store or the home holds either", async () => {
  const home = tempDir("orch-a2a-home-");
  const cwd = tempDir("orch-a2a-cwd-");
  const engine = new Engine(
    { ...configFromEnv({}), home, cancelGraceMs: 3_000 },
    new Map([["remote_a2a", new A2aBackend()]]),
  );
  const agent = await startScenarioAgent();
  try {
    const run = engine.spawnRun({
      backend: "remote_a2a",
      role: "remote",
      cwd,
      prompt: "[[auth]]",
      backend_config: { agent_url: agent.url },
    });
    await waitForStatus(engine, run.run_id, ["auth_required"], 20_000);
    assert.equal(engine.getRun(run.run_id).pending_input?.text, AUTH_PROMPT);
    await engine.continueRun({
      run_id: run.run_id,
      input_message: { parts: [{ type: "data", data: { token: "tokSECRETg7", password: "pwSECRETh8" } }] },
    });
    assert.equal(await waitForStatus(engine, run.run_id, ["completed", "failed"], 20_000), "completed");
    assert.equal(agent.messages.length, 2, "the answer went to the agent, on the same task");
    assert.equal(agent.messages[1]?.taskId, agent.messages[0]?.taskId);
    const answered = (await allEvents(engine, run.run_id)).find((e) => e.data.reason === "input_received");
    assert.deepEqual(answered?.data.input_shape, [{ type: "data", keys: ["password", "token"] }]);
  } finally {
    await engine.shutdown();
    await agent.close();
  }
  for (const secret of ["tokSECRETg7", "pwSECRETh8"]) {
    assert.deepEqual(filesContaining([join(cwd, STORE_DIR), home], secret), [], secret);
  }
});
