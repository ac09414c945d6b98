import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REDACTED } from "../../src/core/redact.js";
import { STORE_DIR } from "../../src/store/paths.js";
import { allEvents, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { filesContaining } from "../helpers/files.js";

const SECRETS = ["tokSECRETa1", "pwSECRETb2", "otpSECRETc3"];

test("an answer to auth_required reaches the backend, and no file under the store or the home holds it", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ ask: { kind: "auth", text: "sign in" }, auth: true }]);
  await waitForStatus(f.engine, run.run_id, ["auth_required"]);
  const [token, password, otp] = SECRETS as [string, string, string];
  await f.engine.continueRun({
    run_id: run.run_id,
    input_message: {
      parts: [
        { type: "data", data: { token, password } },
        { type: "text", text: otp },
      ],
    },
  });
  await waitForStatus(f.engine, run.run_id, ["completed"]);
  assert.deepEqual(f.backend.inputs[0]?.parts[0], { type: "data", data: { token, password } });

  const answered = (await allEvents(f.engine, run.run_id)).find((e) => e.data.reason === "input_received");
  assert.deepEqual(answered?.data, {
    status: "running",
    reason: "input_received",
    input_shape: [
      { type: "data", keys: ["password", "token"] },
      { type: "text", chars: otp.length },
    ],
  });
  await f.engine.shutdown();
  for (const secret of SECRETS) {
    assert.deepEqual(filesContaining([join(f.cwd, STORE_DIR), f.home], secret), [], secret);
  }
});

test("an answer to input_required stays in the log, with values under secret keys redacted", async () => {
  const f = makeEngine();
  const run = spawnScript(f, [{ ask: { kind: "question", text: "name and key?" } }]);
  await waitForStatus(f.engine, run.run_id, ["input_required"]);
  await f.engine.continueRun({
    run_id: run.run_id,
    input_message: {
      parts: [
        { type: "text", text: "Ada" },
        { type: "data", data: { api_key: "keySECRETd4" } },
      ],
    },
  });
  const answered = (await allEvents(f.engine, run.run_id)).find((e) => e.data.reason === "input_received");
  assert.deepEqual(answered?.data.input, {
    role: "user",
    parts: [
      { type: "text", text: "Ada" },
      { type: "data", data: { api_key: REDACTED } },
    ],
  });
  await f.engine.shutdown();
});

test("a codex option named like a secret survives a restart: the continued session gets the number", async () => {
  const f = makeEngine();
  const config = { model_auto_compact_token_limit: 200000, model: "gpt-5" };
  const first = spawnScript(f, [{ emit: { type: "agent_message", data: { text: "one" } } }], {
    backend_config: {
      script: [{ emit: { type: "agent_message", data: { text: "one" } } }],
      config,
      agent_url: "https://user:pwSECRETe5@agents.example/a2a?token=tokSECRETf6&tenant=t1",
    },
  });
  await waitForStatus(f.engine, first.run_id, ["completed"]);
  await f.engine.shutdown();

  const stored = JSON.parse(readFileSync(join(f.cwd, STORE_DIR, "runs", first.run_id, "run.json"), "utf8"));
  assert.equal(
    stored.spec.backend_config.agent_url,
    `https://agents.example/a2a?token=${REDACTED}&tenant=t1`,
  );
  for (const secret of ["pwSECRETe5", "tokSECRETf6"]) {
    assert.deepEqual(filesContaining([join(f.cwd, STORE_DIR), f.home], secret), [], secret);
  }

  const again = makeEngine({}, f.home);
  const next = await again.engine.continueRun({ run_id: first.run_id, prompt: "go on" });
  await waitForStatus(again.engine, next.run_id, ["completed"]);
  assert.deepEqual(again.backend.started[0]?.backend_config.config, config);
  await again.engine.shutdown();
});
