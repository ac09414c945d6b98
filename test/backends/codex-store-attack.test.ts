/**
 * The agent of a codex run attacks the store in its cwd, with commands run by the real codex CLI in its real
 * sandbox: it plants links to a file the sandbox forbids it to write, hoping the server writes its next message
 * through them; and it rewrites the record of a finished reviewer in the same cwd. Two layers, each proven on
 * its own: the default sandbox keeps the store read-only for the agent, and under the plain workspace-write
 * sandbox (a caller config with `sandbox_workspace_write`), which lets it write there, the server itself holds.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type CodexFixture, codexFixture } from "../helpers/codex-fixture.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";

const ENDED = ["completed", "failed", "cancelled"] as const;
/** Options of a run under the plain workspace-write sandbox, where the agent can write the store. */
const plainSandbox = () => ({
  backend_config: { config: { ...f.fake.codexConfig(), sandbox_workspace_write: { network_access: false } } },
});

let f: CodexFixture;
let victimDir: string;
let victim: string;
before(async () => {
  f = await codexFixture();
  // Outside every root the sandbox lets the agent write (its cwd, /tmp, $TMPDIR).
  victimDir = mkdtempSync("/var/tmp/orch-victim-");
  victim = join(victimDir, "bashrc");
  writeFileSync(victim, "original\n");
});
after(async () => {
  await f.close();
  rmSync(victimDir, { recursive: true, force: true });
});

const plant = () =>
  [
    `echo pwned >> ${victim} || echo sandbox-refused-direct-write;`,
    "d=.nanobot-orchestrator/runs/$ORCHESTRATION_MCP_RUN/artifacts;",
    "for i in $(seq 1 40); do n=$(printf %06d $i); mkdir -p $d/$n-agent_message &&",
    `ln -s ${victim} $d/$n-agent_message/f0-000.chunk && echo planted; done;`,
    // The fake model repeats the command's output as its message: 5 KB, so the message goes to an artifact.
    "head -c 5000 /dev/zero | tr '\\0' a",
  ].join(" ");

test("the default sandbox refuses to let a codex command plant links in the store", async () => {
  const run = f.spawn(`attack [[exec:${plant()}]]`);
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 90_000), "completed");
  const stdout = String(
    (await allEvents(f.engine, run.run_id)).find((e) => e.type === "command_finished")?.data.stdout,
  );
  assert.match(stdout, /sandbox-refused-direct-write/);
  assert.match(stdout, /Read-only file system/);
  assert.doesNotMatch(stdout, /planted/);
  assert.equal(readFileSync(victim, "utf8"), "original\n");
});

test("links planted by a codex command under the plain sandbox are never written through", async () => {
  const run = f.spawn(`attack [[exec:${plant()}]]`, plainSandbox());
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 90_000), "failed");
  const events = await allEvents(f.engine, run.run_id);
  const command = events.find((e) => e.type === "command_finished")?.data;
  assert.match(
    String(command?.stdout),
    /sandbox-refused-direct-write/,
    "the sandbox itself keeps the agent out",
  );
  assert.match(String(command?.stdout), /planted/);
  const summary = f.engine.getRun(run.run_id);
  assert.equal(summary.error?.code, "store_error");
  assert.match(
    summary.error?.message ?? "",
    /f0-000\.chunk: a symbolic link where the store expects its own/,
  );
  assert.equal(readFileSync(victim, "utf8"), "original\n", "nothing was written through the link");
});

/** Starts a reviewer and returns it with a command that forges its verdict in its run.json. */
async function reviewerAndForgery() {
  const reviewer = f.spawn("review it [[say:REQUEST CHANGES: the tests fail]]", { role: "reviewer" });
  assert.equal(await waitForStatus(f.engine, reviewer.run_id, [...ENDED], 90_000), "completed");
  const file = `.nanobot-orchestrator/runs/${reviewer.run_id}/run.json`;
  const forge = `sed -i 's/REQUEST CHANGES: the tests fail/LGTM, ship it/g' ${file} && grep -c LGTM ${file}`;
  return { reviewer, file, forge };
}

test("the default sandbox refuses to let a later codex run rewrite a finished reviewer's run.json", async () => {
  const { reviewer, file, forge } = await reviewerAndForgery();
  const worker = f.spawn(`forge [[exec:${forge}]] [[say:done]]`);
  assert.equal(await waitForStatus(f.engine, worker.run_id, [...ENDED], 90_000), "completed");
  // What the model was told of the command (the fake repeats it): codex does not always report a command the
  // sandbox refused as a command item of its own.
  assert.match(f.engine.getRun(worker.run_id).result?.final_response ?? "", /Read-only file system/);
  assert.doesNotMatch(readFileSync(join(f.cwd, file), "utf8"), /LGTM/);
  const summary = f.engine.getRun(reviewer.run_id);
  assert.equal(summary.result?.final_response, "REQUEST CHANGES: the tests fail");
  assert.equal(summary.error, undefined);
});

test("a later codex run under the plain sandbox that rewrites a finished reviewer's run.json is reported as tampering", async () => {
  const { reviewer, file, forge } = await reviewerAndForgery();
  const worker = f.spawn(`forge [[exec:${forge}]] [[say:done]]`, plainSandbox());
  assert.equal(await waitForStatus(f.engine, worker.run_id, [...ENDED], 90_000), "completed");
  const forged = (await allEvents(f.engine, worker.run_id)).find((e) => e.type === "command_finished");
  assert.equal(forged?.data.exit_code, 0, "the sandbox let the agent rewrite the file");
  assert.match(readFileSync(join(f.cwd, file), "utf8"), /LGTM, ship it/);

  const summary = f.engine.getRun(reviewer.run_id);
  assert.equal(summary.result?.final_response, "REQUEST CHANGES: the tests fail");
  assert.equal(summary.error?.code, "store_tampered");
});
