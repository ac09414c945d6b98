/**
 * Where the remote_a2a backend's credentials go, against a hostile agent whose card (or redirect) names another
 * origin: only to agent_url's origin and `allowed_origins`, and not over plain http to another machine.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { A2aBackend } from "../../src/backends/a2a/a2a-backend.js";
import { boundFetch } from "../../src/backends/a2a/bound-fetch.js";
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import {
  COLLECTED,
  type HostileCardAgent,
  type HostileCardMode,
  startHostileCardAgent,
} from "../fakes/a2a/hostile-card-agent.js";
import { waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "s3cret-token-Hx42";
const API_KEY = "k3y-Vb07";
const backend = new A2aBackend({});
const engine = new Engine(
  { ...configFromEnv({}), home: tempDir("orch-a2a-cred-home-"), cancelGraceMs: 3_000 },
  new Map([["remote_a2a", backend]]),
);
const cwd = tempDir("orch-a2a-cred-cwd-");
const agents: HostileCardAgent[] = [];
after(async () => {
  await engine.shutdown();
  for (const agent of agents) await agent.close();
});

async function hostile(mode: HostileCardMode): Promise<HostileCardAgent> {
  const agent = await startHostileCardAgent(mode);
  agents.push(agent);
  return agent;
}

const spawn = (config: Record<string, unknown>) =>
  engine.spawnRun({ backend: "remote_a2a", role: "remote", cwd, prompt: "hello", backend_config: config });

async function finish(config: Record<string, unknown>) {
  const run = spawn(config);
  const status = await waitForStatus(engine, run.run_id, ["completed", "failed", "cancelled"], 20_000);
  return { status, run: engine.getRun(run.run_id) };
}

test("a card naming another origin is refused while a token is set, and that origin hears nothing", async () => {
  const a = await hostile("elsewhere");
  const { status, run } = await finish({ agent_url: a.url, token: TOKEN });
  assert.equal(status, "failed");
  assert.equal(run.error?.code, "backend_error");
  const message = run.error?.message ?? "";
  assert.ok(message.includes(`${a.collectorOrigin}/a2a/jsonrpc`), message);
  assert.ok(message.includes(`agent_url's origin ${a.url}`), message);
  assert.match(message, /add "http:\/\/127\.0\.0\.1:\d+" to backend_config\.allowed_origins if/);
  assert.equal(a.collected.length, 0, "the other origin got no request");
  assert.deepEqual(
    a.requests.map((r) => [r.path, r.headers.authorization]),
    [["/.well-known/agent-card.json", `Bearer ${TOKEN}`]],
    "the card itself is fetched from agent_url's origin, with the token",
  );
});

test("an A2A 0.3 card whose url and additionalInterfaces name another origin is refused too", async () => {
  const a = await hostile("legacy");
  const { status, run } = await finish({ agent_url: a.url, headers: { "X-Api-Key": API_KEY } });
  assert.equal(status, "failed");
  assert.ok(run.error?.message.includes(a.collectorOrigin), run.error?.message);
  assert.equal(a.collected.length, 0, "the other origin got no request");
});

test("with the other origin in allowed_origins the run goes there, token and all", async () => {
  const a = await hostile("elsewhere");
  const { status, run } = await finish({
    agent_url: a.url,
    token: TOKEN,
    allowed_origins: [a.collectorOrigin],
  });
  assert.equal(status, "completed", run.error?.message);
  assert.equal(run.result?.final_response, COLLECTED);
  assert.equal(a.collected[0]?.rpcMethod, "SendMessage");
  assert.equal(a.collected[0]?.headers.authorization, `Bearer ${TOKEN}`);
});

test("without credentials a card may point elsewhere: there is nothing to leak", async () => {
  const a = await hostile("elsewhere");
  const { status, run } = await finish({ agent_url: a.url });
  assert.equal(status, "completed", run.error?.message);
  assert.equal(a.collected[0]?.headers.authorization, undefined);
});

test("a redirect to another origin is not followed with credentials (fetch would keep X-Api-Key)", async () => {
  const a = await hostile("redirect");
  const headers = { "X-Api-Key": API_KEY };
  const refused = await finish({ agent_url: a.url, token: TOKEN, headers });
  assert.equal(refused.status, "failed");
  assert.match(refused.run.error?.message ?? "", /redirected to http:\/\/127\.0\.0\.1:\d+\/a2a\/jsonrpc/);
  assert.equal(a.collected.length, 0, "the other origin got no request");

  const allowed = await finish({
    agent_url: a.url,
    token: TOKEN,
    headers,
    allowed_origins: [a.collectorOrigin],
  });
  assert.equal(allowed.status, "completed", allowed.run.error?.message);
  assert.equal(a.collected[0]?.headers["x-api-key"], API_KEY);
  assert.equal(a.collected[0]?.headers.authorization, `Bearer ${TOKEN}`);
});

test("the fetch wrapper adds the credentials only on a request to an allowed origin", async () => {
  const a = await hostile("elsewhere");
  const fetchImpl = boundFetch({ Authorization: `Bearer ${TOKEN}` }, new Set([a.url]));
  await (await fetchImpl(`${a.url}/.well-known/agent-card.json`)).text();
  await (await fetchImpl(`${a.collectorOrigin}/a2a/jsonrpc`, { method: "POST", body: "{}" })).text();
  assert.equal(a.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(a.collected.length, 1);
  assert.equal(a.collected[0]?.headers.authorization, undefined);
});

test("a token is never sent over plain http to another machine unless allow_insecure_http", () => {
  // Refused at spawn: no run, no network I/O (agent.invalid is never resolved).
  assert.throws(
    () => spawn({ agent_url: "http://agent.invalid", token: TOKEN }),
    /backend_config\.agent_url: the token and headers would go over plain http to agent\.invalid; use https, or set backend_config\.allow_insecure_http: true/,
  );
  assert.throws(
    () =>
      spawn({
        agent_url: "http://127.0.0.1:9",
        headers: { "X-Api-Key": API_KEY },
        allowed_origins: ["https://ok.invalid", "http://other.invalid:8080"],
      }),
    /backend_config\.allowed_origins\[1\]: the token and headers would go over plain http to http:\/\/other\.invalid:8080/,
  );
  const validate = (config: Record<string, unknown>) => backend.validateConfig(config);
  for (const url of [
    "http://localhost:8080",
    "http://127.0.0.5",
    "http://[::1]:9",
    "https://agent.invalid",
  ]) {
    validate({ agent_url: url, token: TOKEN });
  }
  validate({ agent_url: "http://agent.invalid", token: TOKEN, allow_insecure_http: true });
  validate({ agent_url: "http://agent.invalid" });
});

test("the new fields are checked, each error naming its field", () => {
  const validate = (config: Record<string, unknown>) =>
    backend.validateConfig({ agent_url: "https://agent.invalid", ...config });
  for (const bad of ["https://x.invalid/path", "ftp://x.invalid", "x.invalid", "https://u:p@x.invalid", 7]) {
    assert.throws(
      () => validate({ allowed_origins: ["https://ok.invalid:8443", bad] }),
      /backend_config\.allowed_origins\[1\]: expected an origin such as https:\/\/host:port/,
      String(bad),
    );
  }
  assert.throws(() => validate({ allowed_origins: "https://x.invalid" }), /backend_config\.allowed_origins:/);
  assert.throws(() => validate({ allow_insecure_http: "yes" }), /backend_config\.allow_insecure_http:/);
  validate({
    allowed_origins: ["https://OK.invalid:443/", "http://127.0.0.1:8080"],
    allow_insecure_http: false,
  });
});
