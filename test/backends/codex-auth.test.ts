/**
 * codex retries a provider that refuses its key (five times, with backoff, for minutes against a real endpoint):
 * the run fails at the first refusal instead, saying how to log in. Real SDK and CLI against the fake provider.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { taggedProcesses } from "../../src/backends/process-tree.js";
import type { CodexConfigObject } from "../../src/sim/responses-server.js";
import { type CodexFixture, codexFixture } from "../helpers/codex-fixture.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";

let f: CodexFixture;
before(async () => {
  f = await codexFixture();
});
after(async () => {
  await f.close();
});

/** The fake provider, but with codex's own retries on, as a real provider has them. */
function retryingConfig(): CodexConfigObject {
  const config = f.fake.codexConfig();
  const providers = config.model_providers as Record<string, CodexConfigObject>;
  return {
    ...config,
    model_providers: { fake: { ...providers.fake, request_max_retries: 4, stream_max_retries: 4 } },
  };
}

test("a key the provider refuses fails the run at the first refusal, naming CODEX_HOME and codex login", async () => {
  const started = Date.now();
  const run = f.spawn("hello [[http401]]", { backend_config: { config: retryingConfig() } });
  assert.equal(
    await waitForStatus(f.engine, run.run_id, ["completed", "failed", "cancelled"], 60_000),
    "failed",
  );
  const error = f.engine.getRun(run.run_id).error;
  assert.match(
    error?.message ?? "",
    /^codex could not authenticate with its model provider: run `codex login`/,
  );
  assert.match(error?.message ?? "", new RegExp(`CODEX_HOME=${f.codexHome}`));
  assert.match(error?.message ?? "", /401 Unauthorized/);
  const refusals = f.fake.responsesRequests().filter((r) => r.answer === "http401").length;
  assert.ok(refusals <= 2, `stopped after ${refusals} refusals, not codex's 5 retries`);
  assert.ok(Date.now() - started < 10_000);
  assert.deepEqual(taggedProcesses(run.run_id), [], "codex is gone");
  const warnings = (await allEvents(f.engine, run.run_id)).filter((e) => e.data.warning !== undefined);
  assert.ok(warnings.length <= 1);
});
