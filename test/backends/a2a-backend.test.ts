/** The remote_a2a backend through the engine, against hand-written A2A agents built with the SDK's server. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { A2aBackend } from "../../src/backends/a2a/a2a-backend.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import {
  BIG_ARTIFACT_BYTES,
  FAILURE,
  type FakeA2AAgent,
  QUESTION,
  REJECTION,
  startBrokenCardServer,
  startLegacyAgent,
  startPollingAgent,
  startScenarioAgent,
} from "../fakes/a2a/index.js";
import { allEvents, readArtifact, waitForStatus } from "../helpers/engine-fixture.js";
import { filesContaining } from "../helpers/files.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "s3cret-token-Zq81";
const home = tempDir("orch-a2a-home-");
const cwd = tempDir("orch-a2a-cwd-");
const engine = new Engine(
  { ...configFromEnv({}), home, cancelGraceMs: 3_000 },
  new Map([["remote_a2a", new A2aBackend({ ...process.env, A2A_TEST_TOKEN: TOKEN })]]),
);
const agents: { close(): Promise<void> }[] = [];
after(async () => {
  await engine.shutdown();
  for (const agent of agents) await agent.close();
});

async function agent(start: () => Promise<FakeA2AAgent>): Promise<FakeA2AAgent> {
  const started = await start();
  agents.push(started);
  return started;
}

const ENDED = ["completed", "failed", "cancelled"] as const;
const spawn = (
  url: string,
  prompt: string,
  extra: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
) =>
  engine.spawnRun({
    backend: "remote_a2a",
    role: "remote",
    cwd,
    prompt,
    backend_config: { agent_url: url, ...config },
    ...extra,
  });
const until = (runId: string, statuses: readonly string[] = ENDED) =>
  waitForStatus(engine, runId, [...statuses] as never, 20_000);

test("streaming over JSON-RPC: messages, the final artifact, the cwd sent along, and resume by contextId", async () => {
  const a = await agent(() => startScenarioAgent());
  const run = spawn(a.url, "hello [[say:remote done]]");
  assert.equal(await until(run.run_id), "completed");
  assert.equal(engine.getRun(run.run_id).result?.final_response, "remote done");
  const events = await allEvents(engine, run.run_id);
  assert.ok(events.some((e) => e.type === "agent_message"));
  assert.equal(events.find((e) => e.type === "artifact_added")?.data.name, "final");
  assert.equal(a.messages[0]?.metadata?.cwd, cwd);

  const next = await engine.continueRun({ run_id: run.run_id, prompt: "again [[echo-meta]]" });
  assert.equal(await until(next.run_id), "completed");
  assert.equal(a.messages[1]?.contextId, a.messages[0]?.contextId, "the same conversation");
  assert.notEqual(a.messages[1]?.taskId, a.messages[0]?.taskId);
});

test("the REST binding, and an agent that only answers polls", async () => {
  const rest = await agent(() => startScenarioAgent({ bindings: ["HTTP+JSON"] }));
  const run = spawn(rest.url, "[[say:over rest]]");
  assert.equal(await until(run.run_id), "completed");
  assert.equal(engine.getRun(run.run_id).result?.final_response, "over rest");
  assert.ok(rest.requests.some((r) => r.path.startsWith("/a2a/rest")));

  const polling = await agent(() => startPollingAgent());
  const slow = spawn(polling.url, "[[slow]]", {}, { poll_interval_ms: 100 });
  assert.equal(await until(slow.run_id), "completed");
  assert.equal(engine.getRun(slow.run_id).result?.final_response, "slow done");
  assert.ok(polling.requests.filter((r) => r.rpcMethod === "GetTask").length >= 2, "polled with GetTask");
});

test("streamed artifacts, a big one paged back whole", async () => {
  const a = await agent(() => startScenarioAgent());
  const run = spawn(a.url, "[[artifacts]]");
  assert.equal(await until(run.run_id), "completed");
  const artifacts = (await allEvents(engine, run.run_id)).filter((e) => e.type === "artifact_added");
  assert.deepEqual(
    artifacts.map((e) => e.data.name),
    ["chunk-1", "chunk-2", "chunk-3"],
  );
  const big = artifacts[2];
  assert.ok(big);
  const ref = (big.data.artifact_refs as { field_path: string }[])[0];
  assert.equal(ref?.field_path, "/parts/0/text");
  assert.equal(
    Buffer.byteLength(readArtifact(engine, run.run_id, big.seq, "/parts/0/text")),
    BIG_ARTIFACT_BYTES,
  );
});

test("input-required and auth-required pause the run; continue_run answers on the same task", async () => {
  const a = await agent(() => startScenarioAgent());
  const run = spawn(a.url, "[[input]]");
  assert.equal(await until(run.run_id, ["input_required", ...ENDED]), "input_required");
  assert.equal(engine.getRun(run.run_id).pending_input?.text, QUESTION);
  await engine.continueRun({ run_id: run.run_id, prompt: "Ada" });
  assert.equal(await until(run.run_id), "completed");
  assert.equal(engine.getRun(run.run_id).result?.final_response, "Ada");
  assert.equal(a.messages[1]?.taskId, a.messages[0]?.taskId);
  assert.equal(a.messages[1]?.contextId, a.messages[0]?.contextId);

  const auth = spawn(a.url, "[[auth]]");
  assert.equal(await until(auth.run_id, ["auth_required", ...ENDED]), "auth_required");
  await engine.continueRun({ run_id: auth.run_id, prompt: "signed in" });
  assert.equal(await until(auth.run_id), "completed");
});

test("rejected, failed, structured output and a schema it does not match", async () => {
  const a = await agent(() => startScenarioAgent());
  const rejected = spawn(a.url, "[[reject]]");
  assert.equal(await until(rejected.run_id), "failed");
  assert.deepEqual(engine.getRun(rejected.run_id).error, { code: "rejected", message: REJECTION });
  const failed = spawn(a.url, "[[fail]]");
  assert.equal(await until(failed.run_id), "failed");
  assert.equal(engine.getRun(failed.run_id).error?.message, FAILURE);

  const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
  const json = spawn(a.url, "[[json]]", { output_schema: schema });
  assert.equal(await until(json.run_id), "completed");
  assert.deepEqual(engine.getRun(json.run_id).result?.structured_output, { answer: "42" });
  const wrong = spawn(a.url, "[[json]]", { output_schema: { ...schema, required: ["verdict"] } });
  assert.equal(await until(wrong.run_id), "failed");
  assert.equal(engine.getRun(wrong.run_id).error?.code, "invalid_output");
});

test("cancel_run cancels the remote task", async () => {
  const a = await agent(() => startScenarioAgent());
  const run = spawn(a.url, "[[hang]]");
  for (
    let i = 0;
    i < 100 && !(await allEvents(engine, run.run_id)).some((e) => e.type === "agent_message");
    i++
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal((await engine.cancelRun(run.run_id)).status, "cancelled");
  assert.equal(a.canceled.length, 1);
  assert.equal(a.canceled[0], a.messages[0]?.taskId);
});

test("an A2A 0.3 agent is reached in compatibility mode", async () => {
  const legacy = await agent(() => startLegacyAgent());
  const run = spawn(legacy.url, "[[say:from the past]]");
  assert.equal(await until(run.run_id), "completed");
  assert.equal(engine.getRun(run.run_id).result?.final_response, "from the past");
  const asking = spawn(legacy.url, "[[input]]");
  assert.equal(await until(asking.run_id, ["input_required", ...ENDED]), "input_required");
  await engine.continueRun({ run_id: asking.run_id, prompt: "Grace" });
  assert.equal(await until(asking.run_id), "completed");
});

test("tokens: refused without, accepted with, from the environment too, and never written to disk", async () => {
  const a = await agent(() => startScenarioAgent({ token: TOKEN }));
  const refused = spawn(a.url, "[[say:no]]");
  assert.equal(await until(refused.run_id), "failed");
  assert.match(engine.getRun(refused.run_id).error?.message ?? "", /401/);
  const ok = spawn(a.url, "[[say:yes]]", {}, { token: TOKEN, headers: { "X-Team": "core" } });
  assert.equal(await until(ok.run_id), "completed", engine.getRun(ok.run_id).error?.message);
  assert.equal(a.requests.at(-1)?.headers["x-team"], "core");
  const viaEnv = spawn(a.url, "[[say:env]]", {}, { token_env: "A2A_TEST_TOKEN" });
  assert.equal(await until(viaEnv.run_id), "completed");
  // A follow-up after the first run reuses the in-memory token.
  const next = await engine.continueRun({ run_id: ok.run_id, prompt: "[[say:again]]" });
  assert.equal(await until(next.run_id), "completed");

  const leaks = filesContaining([join(cwd, ".nanobot-orchestrator"), home], TOKEN);
  assert.deepEqual(leaks, []);
});

test("clear errors: an unreachable agent, a broken card, a bad config", async () => {
  const gone = spawn("http://127.0.0.1:9", "[[say:x]]");
  assert.equal(await until(gone.run_id), "failed");
  assert.match(
    engine.getRun(gone.run_id).error?.message ?? "",
    /cannot reach the A2A agent at http:\/\/127\.0\.0\.1:9/,
  );
  const broken = await startBrokenCardServer("not-found");
  agents.push(broken);
  const bad = spawn(broken.url, "[[say:x]]");
  assert.equal(await until(bad.run_id), "failed");
  assert.match(engine.getRun(bad.run_id).error?.message ?? "", /agent card/i);
  assert.throws(() => spawn("ftp://x", "x"), /backend_config\.agent_url: expected an http or https URL/);
  assert.throws(
    () => spawn("http://x", "x", {}, { token_env: "NOT_SET_ANYWHERE" }),
    /backend_config\.token_env: environment variable NOT_SET_ANYWHERE is not set/,
  );
});

test("cancel while the remote task waits for input or auth is quick", async () => {
  const a = await agent(() => startScenarioAgent());
  for (const marker of ["[[input]]", "[[auth]]"]) {
    const run = spawn(a.url, marker);
    assert.notEqual(await until(run.run_id, ["input_required", "auth_required", ...ENDED]), "failed");
    const started = Date.now();
    assert.equal((await engine.cancelRun(run.run_id)).status, "cancelled");
    assert.ok(Date.now() - started < 2_000, `${marker}: cancel took ${Date.now() - started} ms`);
    const last = (await allEvents(engine, run.run_id)).at(-1);
    assert.equal(last?.type, "run_cancelled");
    assert.equal(last?.data.warning, undefined, "the backend stopped within the grace period");
  }
});

test("cancel tells the agent (CancelTask) before it hangs up the task's stream", async () => {
  const a = await agent(() => startScenarioAgent());
  const run = spawn(a.url, "[[hang]]");
  await until(run.run_id, ["running"]);
  for (let i = 0; i < 100 && a.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await engine.cancelRun(run.run_id)).status, "cancelled");
  const stream = a.requests.find((r) => r.rpcMethod === "SendStreamingMessage");
  const cancel = a.requests.find((r) => r.rpcMethod === "CancelTask");
  assert.ok(stream?.closedAt !== undefined && cancel?.at !== undefined, "both were seen");
  assert.ok(cancel.at < stream.closedAt, "CancelTask arrived while the stream was still open");
});

test("remote_cwd is where the agent works; card_url and a path in agent_url are where the card is read", async () => {
  const a = await agent(() => startScenarioAgent());
  const remote = spawn(a.url, "[[echo-meta]]", {}, { remote_cwd: "/srv/work" });
  assert.equal(await until(remote.run_id), "completed");
  const meta = JSON.parse(engine.getRun(remote.run_id).result?.final_response ?? "{}");
  assert.equal(meta.cwd, "/srv/work", "the remote directory, which need not exist here");
  assert.equal(engine.getRun(remote.run_id).cwd, cwd, "the run's own cwd (its store) is unchanged");

  // An agent_url with a path: its card is looked up under that path, not at the host's root.
  const pathed = spawn(`${a.url}/agents/x`, "hello");
  assert.equal(await until(pathed.run_id), "failed");
  assert.match(
    engine.getRun(pathed.run_id).error?.message ?? "",
    /agents\/x\/\.well-known\/agent-card\.json/,
  );
  // The card named outright.
  const named = spawn(`${a.url}/agents/x`, "hello", {}, { card_url: a.cardUrl });
  assert.equal(await until(named.run_id), "completed");
  assert.throws(
    () => spawn(a.url, "x", {}, { card_url: "ftp://x/card.json" }),
    /backend_config\.card_url: expected the http\(s\) URL of the agent card/,
  );
  assert.throws(() => spawn(a.url, "x", {}, { remote_cwd: 5 }), /backend_config\.remote_cwd/);
});
