/**
 * `runs continue` after a finished run starts the next run of its session in the command's own process, and
 * follows it: here on remote_a2a against a hand-written A2A agent, the one backend that needs no agent binary.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { A2aBackend } from "../../src/backends/a2a/a2a-backend.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { type FakeA2AAgent, QUESTION, startScenarioAgent } from "../fakes/a2a/index.js";
import { cli } from "../helpers/cli.js";
import { waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

const home = tempDir("orch-cli-home-");
const cwd = tempDir("orch-cli-cwd-");
const env = { ORCHESTRATOR_HOME: home };
let agent: FakeA2AAgent;
let first = "";

before(async () => {
  agent = await startScenarioAgent();
  const engine = new Engine({ ...configFromEnv({}), home }, new Map([["remote_a2a", new A2aBackend({})]]));
  first = engine.spawnRun({
    backend: "remote_a2a",
    role: "remote",
    cwd,
    prompt: "[[say:first answer]]",
    backend_config: { agent_url: agent.url },
  }).run_id;
  await waitForStatus(engine, first, ["completed"]);
  await engine.shutdown();
});

after(async () => {
  await agent.close();
});

test("continue after a finished run runs the follow-up here and follows it to its end (exit 0)", async () => {
  const { code, stdout, stderr } = await cli(["runs", "continue", first, "[[say:second", "answer]]"], env);
  assert.equal(code, 0, stderr);
  const next = /^run (run_\S+) continues session (ses_\S+) after (run_\S+);/.exec(stderr);
  assert.ok(next, stderr);
  assert.equal(next[3], first);
  assert.match(
    stdout,
    /#1 run_started +remote in .* \(resume session, after run_\S+\): \[\[say:second answer\]\]\n/,
  );
  assert.match(stdout, /run_completed +second answer\n$/);
  const shown = JSON.parse((await cli(["runs", "show", next[1] ?? "", "--json"], env)).stdout);
  assert.equal(shown.status, "completed");
  assert.equal(shown.previous_run_id, first);
  assert.equal(shown.result.final_response, "second answer");
});

test("a follow-up that waits for input stops the command (exit 3), which ends the run it hosted", async () => {
  const { code, stdout, stderr } = await cli(["runs", "continue", first, "[[input]]", "--json"], env);
  assert.equal(code, 3);
  const lines = stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  const answer = lines[0];
  assert.equal(answer.previous_run_id, first);
  assert.equal(lines.at(-1).type, "input_required");
  assert.match(stderr, new RegExp(`run ${answer.run_id} waits for input: ${QUESTION.replace("?", "\\?")}`));
  assert.match(stderr, /it runs in this command, which ends now: the run stops as interrupted/);
  const shown = JSON.parse((await cli(["runs", "show", answer.run_id, "--json"], env)).stdout);
  assert.equal(shown.status, "failed");
  assert.equal(shown.error.code, "interrupted");
});
