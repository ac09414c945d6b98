/**
 * The built server over stdio with the real codex backend: codex is configured the way a user does it, by
 * $CODEX_HOME/config.toml, pointing at the fake Responses server on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { taggedProcesses } from "../../src/backends/process-tree.js";
import { type FakeResponses, startFakeResponses } from "../../src/sim/responses-server.js";
import { type Connected, connect, pollUntil } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

interface ArtifactPage {
  content: string;
  next_offset: number;
  has_more: boolean;
  returned_bytes: number;
}

let fake: FakeResponses;
let mcp: Connected;
let env: Record<string, string>;
const cwd = tempDir("orch-codex-e2e-cwd-");

before(async () => {
  fake = await startFakeResponses();
  const codexHome = tempDir("orch-codex-e2e-home-");
  writeFileSync(join(codexHome, "config.toml"), fake.codexConfigToml());
  env = { ...fake.codexEnv(codexHome), ORCHESTRATOR_HOME: tempDir("orch-codex-e2e-orch-") };
  mcp = await connect([DIST], env);
});

after(async () => {
  await mcp.close();
  await fake.close();
  assert.deepEqual(fake.outsideAttempts, [], "no traffic left 127.0.0.1");
});

const untilEnded = async (runId: string) =>
  (await pollUntil(mcp, runId, ["completed", "failed", "cancelled"])).events;

test("spawn_run → poll → get_run with real codex, big output paged back through get_event_artifact", async () => {
  const spawned = await mcp.ok<{ run_id: string; status: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "say it [[exec:echo via-mcp]]",
  });
  assert.equal(spawned.status, "queued");
  const events = await untilEnded(spawned.run_id);
  assert.equal(events.at(-1)?.type, "run_completed");
  assert.match(String(events.find((e) => e.type === "command_finished")?.data.stdout), /via-mcp/);
  const run = await mcp.ok<{ status: string; result: { final_response: string } }>("get_run", {
    run_id: spawned.run_id,
  });
  assert.equal(run.status, "completed");
  assert.match(run.result.final_response, /via-mcp/);

  const big = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "noise [[big:1200000]]",
  });
  const bigEvents = await untilEnded(big.run_id);
  const finished = bigEvents.find((e) => e.type === "command_finished");
  assert.ok(finished);
  const ref = (finished.data.artifact_refs as { total_bytes: number }[])[0];
  let offset = 0;
  let bytes = 0;
  for (;;) {
    const page: ArtifactPage = await mcp.ok<ArtifactPage>("get_event_artifact", {
      run_id: big.run_id,
      seq: finished.seq,
      field_path: "/stdout",
      offset,
      limit: 262_144,
    });
    assert.equal(Buffer.byteLength(page.content), page.returned_bytes);
    bytes += page.returned_bytes;
    offset = page.next_offset;
    if (!page.has_more) break;
  }
  assert.equal(bytes, ref?.total_bytes);
  assert.ok(bytes > 1_000_000);
});

test("an HTTP 500 from the model fails the run with a message", async () => {
  const spawned = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "fail [[http500]]",
  });
  const events = await untilEnded(spawned.run_id);
  assert.equal(events.at(-1)?.type, "run_failed");
  const run = await mcp.ok<{ error: { code: string; message: string } }>("get_run", {
    run_id: spawned.run_id,
  });
  assert.equal(run.error.code, "backend_error");
});

test("cancel_run mid-turn, and closing the server mid-turn, leave no codex process behind", async () => {
  const hanging = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "wait [[hang]]",
  });
  for (let i = 0; i < 100 && taggedProcesses(hanging.run_id).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(taggedProcesses(hanging.run_id).length > 0);
  const cancelled = await mcp.ok<{ status: string }>("cancel_run", { run_id: hanging.run_id });
  assert.equal(cancelled.status, "cancelled");
  assert.deepEqual(taggedProcesses(hanging.run_id), []);

  const second = await connect([DIST], env);
  const live = await second.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "wait again [[hang]]",
  });
  for (let i = 0; i < 100 && fake.activeConnections() === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(taggedProcesses(live.run_id).length > 0);
  await second.close();
  for (let i = 0; i < 100 && taggedProcesses(live.run_id).length > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(taggedProcesses(live.run_id), [], "the server ended its run's processes as it shut down");
  const after = await mcp.ok<{ status: string; error: { code: string } }>("get_run", { run_id: live.run_id });
  assert.equal(after.status, "failed");
  assert.equal(after.error.code, "interrupted");
});

test("after a server is SIGKILLed mid-turn, the next server marks the run interrupted and ends its orphans", async () => {
  const doomed = await connect([DIST], env);
  const live = await doomed.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "wait for a crash [[hang]]",
  });
  for (let i = 0; i < 100 && taggedProcesses(live.run_id).length === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(taggedProcesses(live.run_id).length > 0);
  process.kill(doomed.transport.pid as number, "SIGKILL");
  await doomed.close().catch(() => undefined);
  assert.ok(taggedProcesses(live.run_id).length > 0, "codex outlives a SIGKILLed server");

  const next = await connect([DIST], env);
  for (let i = 0; i < 100 && taggedProcesses(live.run_id).length > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(taggedProcesses(live.run_id), [], "the next server's recovery ended the orphans");
  const run = await next.ok<{ status: string; error: { code: string } }>("get_run", { run_id: live.run_id });
  assert.equal(run.status, "failed");
  assert.equal(run.error.code, "interrupted");
  await next.close();
});
