/**
 * The agent of a codex run attacks the store in its cwd, with commands run by the real codex CLI in its real
 * workspace-write sandbox: it plants links to a file the sandbox forbids it to write, hoping the server writes
 * its next message through them; and it rewrites the record of a finished reviewer in the same cwd.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type CodexFixture, codexFixture } from "../helpers/codex-fixture.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";

const ENDED = ["completed", "failed", "cancelled"] as const;

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

test("links planted by a sandboxed codex command are never written through", async () => {
  const plant = [
    `echo pwned >> ${victim} || echo sandbox-refused-direct-write;`,
    "d=.nanobot-orchestrator/runs/$ORCHESTRATION_MCP_RUN/artifacts;",
    "for i in $(seq 1 40); do n=$(printf %06d $i); mkdir -p $d/$n-agent_message;",
    `ln -s ${victim} $d/$n-agent_message/f0-000.chunk; done; echo planted;`,
    // The fake model repeats the command's output as its message: 5 KB, so the message goes to an artifact.
    "head -c 5000 /dev/zero | tr '\\0' a",
  ].join(" ");
  const run = f.spawn(`attack [[exec:${plant}]]`);
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

test("a later codex run that rewrites a finished reviewer's run.json is reported as tampering", async () => {
  const reviewer = f.spawn("review it [[say:REQUEST CHANGES: the tests fail]]", { role: "reviewer" });
  assert.equal(await waitForStatus(f.engine, reviewer.run_id, [...ENDED], 90_000), "completed");
  const file = `.nanobot-orchestrator/runs/${reviewer.run_id}/run.json`;
  const forge = `sed -i 's/REQUEST CHANGES: the tests fail/LGTM, ship it/g' ${file} && grep -c LGTM ${file}`;
  const worker = f.spawn(`forge [[exec:${forge}]] [[say:done]]`);
  assert.equal(await waitForStatus(f.engine, worker.run_id, [...ENDED], 90_000), "completed");
  const forged = (await allEvents(f.engine, worker.run_id)).find((e) => e.type === "command_finished");
  assert.equal(forged?.data.exit_code, 0, "the sandbox let the agent rewrite the file");
  assert.match(readFileSync(join(f.cwd, file), "utf8"), /LGTM, ship it/);

  const summary = f.engine.getRun(reviewer.run_id);
  assert.equal(summary.result?.final_response, "REQUEST CHANGES: the tests fail");
  assert.equal(summary.error?.code, "store_tampered");
});
