/**
 * The run store is read-only for the agent of a codex run in the default (workspace-write) sandbox: commands run
 * by the real codex CLI and its apply_patch tool cannot write under `.nanobot-orchestrator/`, while the rest of
 * the cwd stays writable. Opting out (`sandbox_workspace_write` in the caller's config) gives the plain sandbox.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type CodexFixture, codexFixture } from "../helpers/codex-fixture.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";

const ENDED = ["completed", "failed", "cancelled"] as const;
const WRITES = "echo x > .nanobot-orchestrator/probe; echo store=$?; echo y > other-file; echo other=$?";

let f: CodexFixture;
before(async () => {
  f = await codexFixture();
});
after(async () => {
  await f.close();
});

test("the default sandbox refuses a command's and a patch's writes into the store, and allows the rest of cwd", async () => {
  const run = f.spawn(`[[exec:${WRITES}]] [[patch:.nanobot-orchestrator/x.txt:hi]]`);
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 90_000), "completed");
  const events = await allEvents(f.engine, run.run_id);
  const stdout = String(events.find((e) => e.type === "command_finished")?.data.stdout);
  assert.match(stdout, /\.nanobot-orchestrator\/probe: Read-only file system/);
  assert.match(stdout, /store=1\s+other=0/);
  assert.equal(readFileSync(join(f.cwd, "other-file"), "utf8"), "y\n");
  assert.equal(existsSync(join(f.cwd, ".nanobot-orchestrator/probe")), false);
  assert.equal(existsSync(join(f.cwd, ".nanobot-orchestrator/x.txt")), false, "apply_patch was refused");
  assert.equal(
    events.find((e) => e.type === "file_changed"),
    undefined,
  );
  // The fake model repeats what each tool said.
  assert.match(
    f.engine.getRun(run.run_id).result?.final_response ?? "",
    /patched\. tool said:\npatch rejected/,
  );
});

test("a caller config that shapes the sandbox itself gets the plain workspace-write sandbox", async () => {
  const config = { ...f.fake.codexConfig(), sandbox_workspace_write: { network_access: false } };
  const run = f.spawn(`[[exec:${WRITES}]]`, { backend_config: { config } });
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 90_000), "completed");
  const events = await allEvents(f.engine, run.run_id);
  assert.match(String(events.find((e) => e.type === "command_finished")?.data.stdout), /store=0\s+other=0/);
  assert.equal(readFileSync(join(f.cwd, ".nanobot-orchestrator/probe"), "utf8"), "x\n");
});
