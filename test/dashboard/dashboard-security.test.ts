/**
 * The dashboard against a web page in the user's browser (issue 11, item 4), played with raw HTTP requests: a page
 * that rebinds its own name to 127.0.0.1 sends that name as Host (and Origin), and a page or program that merely
 * reaches the port has no token. Neither reads a prompt, an output or an artifact.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { createServer, type Server } from "node:net";
import { after, before, describe, test } from "node:test";
import { type Dashboard, startDashboard } from "../../src/dashboard/server.js";
import { type Fixture, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";

const SECRET = "SECRET-PROMPT-OUTPUT-4f1c";
const ATTACKER = "attacker.example";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let f: Fixture;
let dash: Dashboard;
let port: number;
let runId: string;

/** A GET with exactly these headers (node:http sends Host as given, unlike fetch). */
function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: "GET", headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${path}: no answer within 10 s`)));
    req.on("error", reject);
    req.end();
  });
}

const bearer = () => ({ authorization: `Bearer ${dash.token}` });

function paths(): string[] {
  return [
    "/",
    `/runs/${runId}`,
    "/api/runs",
    "/api/runs/stream",
    `/api/runs/${runId}`,
    `/api/runs/${runId}/events`,
    `/api/runs/${runId}/artifact?seq=1&field_path=/text`,
  ];
}

describe("dashboard access", { timeout: 60_000 }, () => {
  before(async () => {
    f = makeEngine();
    const run = spawnScript(f, [
      { emit: { type: "agent_message", data: { text: SECRET } } },
      { emit: { type: "run_completed", data: { final_response: SECRET } } },
    ]);
    runId = run.run_id;
    await waitForStatus(f.engine, runId, ["completed"]);
    dash = await startDashboard({ engine: f.engine, host: "127.0.0.1", port: 0 });
    port = Number(new URL(dash.url).port);
  });

  after(async () => {
    await dash?.close();
    await f?.engine.shutdown();
  });

  test("the printed URL carries a fresh 32-byte token", async () => {
    const url = new URL(dash.url);
    assert.equal(url.hostname, "127.0.0.1");
    assert.equal(url.pathname, "/");
    assert.equal(url.searchParams.get("token"), dash.token);
    assert.equal(Buffer.from(dash.token, "base64url").length, 32);
    const other = await startDashboard({ engine: f.engine, port: 0 });
    try {
      assert.notEqual(other.token, dash.token);
    } finally {
      await other.close();
    }
  });

  test("a forged Host (DNS rebinding) is refused on every route, even with the token", async () => {
    for (const path of [...paths(), `/?token=${dash.token}`]) {
      for (const headers of [{}, bearer()]) {
        const res = await get(path, { ...headers, host: `${ATTACKER}:${port}` });
        assert.equal(res.status, 403, `${path} ${JSON.stringify(headers)}`);
        assert.equal(res.headers["set-cookie"], undefined, path);
        assert.doesNotMatch(res.body, new RegExp(`${SECRET}|${runId}|${dash.token}`), path);
      }
    }
    assert.equal((await get("/api/runs", { ...bearer(), host: ATTACKER })).status, 403);
  });

  test("a foreign Origin is refused, even with the token", async () => {
    for (const path of paths()) {
      const res = await get(path, { ...bearer(), origin: `http://${ATTACKER}` });
      assert.equal(res.status, 403, path);
      assert.doesNotMatch(res.body, new RegExp(`${SECRET}|${runId}`), path);
    }
    assert.equal((await get("/api/runs", { ...bearer(), origin: "null" })).status, 403);
    assert.equal((await get("/api/runs", { ...bearer(), origin: `http://127.0.0.1:${port}` })).status, 200);
  });

  test("without the token the API and the streams answer 401 and the pages say what to open", async () => {
    for (const path of paths()) {
      const res = await get(path);
      assert.equal(res.status, 401, path);
      assert.doesNotMatch(res.body, new RegExp(`${SECRET}|${runId}`), path);
      if (path.startsWith("/api/")) {
        assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, "unauthorized", path);
      } else {
        assert.match(String(res.headers["content-type"]), /^text\/html/, path);
        assert.match(res.body, /Open the URL that <code>orchestration-mcp dashboard<\/code> printed/, path);
      }
    }
  });

  test("a wrong token is refused, as a query, a cookie or a bearer, and sets no cookie", async () => {
    const wrong = `${dash.token.slice(0, -1)}${dash.token.endsWith("A") ? "B" : "A"}`;
    const cookie = `orchestration_dashboard_${port}=${wrong}`;
    const cases: [string, Record<string, string>][] = [
      [`/?token=${wrong}`, {}],
      [`/?token=`, {}],
      [`/api/runs?token=${wrong}`, {}],
      ["/api/runs", { cookie }],
      [`/api/runs/${runId}/events`, { cookie }],
      ["/api/runs", { authorization: `Bearer ${wrong}` }],
      ["/api/runs", { authorization: `Bearer ${dash.token}x` }],
      ["/api/runs", { authorization: dash.token }],
      ["/api/runs", { cookie: `orchestration_dashboard_1=${dash.token}` }],
    ];
    for (const [path, headers] of cases) {
      const res = await get(path, headers);
      assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.equal(res.headers["set-cookie"], undefined, path);
    }
  });

  test("?token= sets an HttpOnly, SameSite=Strict cookie and redirects to the URL without it; the cookie then works", async () => {
    const res = await get(`/runs/${runId}?token=${dash.token}&x=1`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/runs/${runId}?x=1`);
    const [setCookie] = res.headers["set-cookie"] as string[];
    assert.ok(setCookie);
    const [pair, ...attributes] = setCookie.split(";").map((part) => part.trim());
    assert.equal(pair, `orchestration_dashboard_${port}=${dash.token}`);
    assert.deepEqual(attributes.sort(), ["HttpOnly", "Path=/", "SameSite=Strict"]);
    assert.equal((await get(`/?token=${dash.token}`)).headers.location, "/");
    assert.equal((await get(`//${ATTACKER}/?token=${dash.token}`)).headers.location, "/");

    const cookie = { cookie: `theme=dark; ${pair}` };
    const page = await get(`/runs/${runId}`, cookie);
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Run · orchestration-mcp<\/title>/);
    const list = await get("/api/runs", cookie);
    assert.equal(list.status, 200);
    assert.ok((JSON.parse(list.body) as { runs: { run_id: string }[] }).runs.some((r) => r.run_id === runId));
    const events = await get(`/api/runs/${runId}/events`, cookie);
    assert.equal(events.status, 200);
    assert.match(String(events.headers["content-type"]), /^text\/event-stream/);
    assert.match(events.body, new RegExp(SECRET));
    assert.match(events.body, /event: end/);
    // Scripts send the token itself.
    assert.equal((await get(`/api/runs/${runId}`, bearer())).status, 200);
  });

  test("a busy port falls back to a free one, and says so", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const busy = (blocker.address() as { port: number }).port;
    try {
      const other = await startDashboard({ engine: f.engine, host: "127.0.0.1", port: busy });
      try {
        assert.equal(other.busyPort, busy);
        const url = new URL(other.url);
        assert.notEqual(Number(url.port), busy);
        const res = await fetch(new URL("/api/runs", url), {
          headers: { authorization: `Bearer ${other.token}` },
        });
        assert.equal(res.status, 200);
      } finally {
        await other.close();
      }
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    assert.equal(dash.busyPort, undefined);
    assert.equal(dash.exposed, false);
  });
});
