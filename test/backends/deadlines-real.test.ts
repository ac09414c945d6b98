/**
 * Deadlines with the real agent CLIs against the fake providers: a model that never answers (codex and Claude
 * Code), and a Claude Code run that waits for a permission nobody gives. Each ends failed with code "timeout",
 * and no process of the run is left.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { taggedProcesses } from "../../src/backends/process-tree.js";
import { type ClaudeFixture, claudeFixture } from "../helpers/claude-fixture.js";
import { type CodexFixture, codexFixture } from "../helpers/codex-fixture.js";
import { waitForStatus } from "../helpers/engine-fixture.js";

const ENDED = ["completed", "failed", "cancelled"] as const;

let codex: CodexFixture;
let claude: ClaudeFixture;
before(async () => {
  [codex, claude] = await Promise.all([codexFixture(), claudeFixture()]);
});
after(async () => {
  await Promise.all([codex.close(), claude.close()]);
});

test("codex: a model that never answers is stopped after idle_timeout_s", async () => {
  const started = Date.now();
  const run = codex.spawn("think [[hang]]", { limits: { idle_timeout_s: 2 } });
  assert.equal(await waitForStatus(codex.engine, run.run_id, [...ENDED], 30_000), "failed");
  const summary = codex.engine.getRun(run.run_id);
  assert.equal(summary.error?.code, "timeout");
  assert.match(summary.error?.message ?? "", /idle_timeout_s of 2 s/);
  assert.ok(Date.now() - started < 15_000, `ended in ${Date.now() - started} ms`);
  assert.deepEqual(taggedProcesses(run.run_id), [], "no process of the run is left");
});

test("claude_code: a model that never answers is stopped after timeout_s", async () => {
  const run = claude.spawn("think [[hang]]", { limits: { timeout_s: 3 } });
  assert.equal(await waitForStatus(claude.engine, run.run_id, [...ENDED], 30_000), "failed");
  const summary = claude.engine.getRun(run.run_id);
  assert.equal(summary.error?.code, "timeout");
  assert.match(summary.error?.message ?? "", /timeout_s of 3 s/);
  assert.deepEqual(taggedProcesses(run.run_id), []);
});

test("claude_code: a permission nobody answers ends the run after input_timeout_s", async () => {
  const run = claude.spawn("make it [[touch:never.txt]]", {
    limits: { input_timeout_s: 2, idle_timeout_s: 1 },
  });
  assert.equal(await waitForStatus(claude.engine, run.run_id, ["input_required"], 30_000), "input_required");
  assert.equal(await waitForStatus(claude.engine, run.run_id, [...ENDED], 30_000), "failed");
  const summary = claude.engine.getRun(run.run_id);
  assert.equal(summary.error?.code, "timeout");
  assert.match(summary.error?.message ?? "", /nobody answered its input_required within 2 s/);
  assert.equal(summary.pending_input, undefined);
  assert.deepEqual(taggedProcesses(run.run_id), []);
});
