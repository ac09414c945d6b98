/**
 * The dashboard in a real browser: headless Chromium (Debian's package at /usr/bin/chromium) driven by
 * playwright-core, over a dashboard served in-process on a real engine session with the scripted backend. Each page
 * starts as a user does, from the printed URL with its token (dashboard-security.test.ts plays the attackers).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Dashboard, startDashboard } from "../../src/dashboard/server.js";
import { DIST } from "../helpers/cli.js";
import { type Fixture, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

const CHROMIUM = "/usr/bin/chromium";
/** The README's screenshot is refreshed only when asked (UPDATE_SCREENSHOT=1), so a test run leaves the tree clean. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? fileURLToPath(new URL("../../docs/dashboard.png", import.meta.url))
  : join(tempDir("orch-dashboard-shot-"), "dashboard.png");
const VIEWPORT = { width: 1280, height: 800 };
const HOSTILE = '<img src=x onerror="window.__xss=1"><b>bold</b>';
const BIG_STDOUT = Array.from({ length: 4000 }, (_, i) => `line ${i} ${"o".repeat(40)}`).join("\n");

let f: Fixture;
let dash: Dashboard;
let browser: Browser;
let finishedId: string;

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => assert.fail(`page error: ${error.message}`));
  return page;
}

/** `path` with the printed URL's token: the first load trades it for the cookie and lands on `path` without it. */
function withToken(path: string): string {
  const url = new URL(path, dash.url);
  url.searchParams.set("token", dash.token);
  return url.href;
}

/** A request as a script sends it: the token as a bearer. */
function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, dash.url), { ...init, headers: { authorization: `Bearer ${dash.token}` } });
}

interface Cli {
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `orchestration-mcp dashboard ...args` on a fresh home and waits for the URL it prints. */
async function startCli(args: string[]): Promise<Cli> {
  const child = spawn(process.execPath, [DIST, "dashboard", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ORCHESTRATOR_HOME: tempDir("orch-dash-home-"),
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += String(chunk);
  });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no URL within 10 s: ${out}${stderr}`)), 10_000);
      child.stdout.on("data", (chunk: Buffer) => {
        out += String(chunk);
        const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}(?=\s)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}${stderr}`)));
    });
    return { url, stderr: () => stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe("dashboard", { timeout: 120_000 }, () => {
  before(async () => {
    if (!existsSync(CHROMIUM)) {
      assert.fail(
        `${CHROMIUM} is missing: the dashboard tests need Debian's chromium (apt-get install -y --no-install-recommends chromium; .ci/run does this)`,
      );
    }
    f = makeEngine();
    const finished = spawnScript(f, [
      { emit: { type: "agent_message", data: { text: HOSTILE } } },
      { emit: { type: "command_started", data: { command: "cat big.log" } } },
      {
        emit: {
          type: "command_finished",
          data: { command: "cat big.log", exit_code: 0, stdout: BIG_STDOUT },
        },
      },
      { emit: { type: "file_changed", data: { changes: [{ path: "src/a.ts", kind: "update" }] } } },
      { emit: { type: "tool_started", data: { tool: "search", input: { q: "x" } } } },
      { emit: { type: "tool_finished", data: { tool: "search", output: "found" } } },
      {
        emit: {
          type: "run_completed",
          data: {
            final_response: "all done",
            usage: { input_tokens: 1200, output_tokens: 345, cost_usd: 0.0123 },
          },
        },
      },
    ]);
    finishedId = finished.run_id;
    await waitForStatus(f.engine, finishedId, ["completed"]);
    dash = await startDashboard({ engine: f.engine, host: "127.0.0.1", port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    await f?.engine.shutdown();
  });

  test("JSON API: list, get, and 400/404 errors as JSON", async () => {
    const list = await api("/api/runs?status=completed");
    assert.equal(list.status, 200);
    const body = (await list.json()) as { runs: { run_id: string }[] };
    assert.ok(body.runs.some((r) => r.run_id === finishedId));
    const one = await api(`/api/runs/${finishedId}`);
    assert.equal(((await one.json()) as { status: string }).status, "completed");
    const cases: [string, number][] = [
      ["/api/runs/not%20an%20id", 400],
      ["/api/runs/run_00000000000000000000000000", 404],
      ["/api/runs?status=bogus", 400],
      [`/api/runs/${finishedId}/artifact?seq=1&field_path=/text`, 404],
      [`/api/runs/${finishedId}/artifact?field_path=/stdout`, 400],
      ["/nowhere", 404],
      ["/runs/../etc", 404],
    ];
    for (const [path, status] of cases) {
      const res = await api(path);
      assert.equal(res.status, status, path);
      const error = (await res.json()) as { error: { code: string; message: string } };
      assert.ok(error.error.message, path);
    }
    const post = await api("/", { method: "POST" });
    assert.equal(post.status, 405);
  });

  test("the list shows the runs, live, and survives a layout check and a screenshot", async () => {
    const page = await newPage();
    await page.goto(dash.url);
    assert.equal(page.url(), new URL("/", dash.url).href, "the token stays out of the address bar");
    await page.locator(`tr[data-run-id="${finishedId}"]`).waitFor();
    const row = page.locator(`tr[data-run-id="${finishedId}"]`);
    assert.equal(await row.locator("td.id a").textContent(), finishedId);
    assert.equal(await row.locator(".badge").textContent(), "completed");
    assert.match((await row.locator("td.usage").textContent()) ?? "", /1200 in \/ 345 out · \$0\.0123/);

    // A run spawned after the page loaded appears without reload.
    const later = spawnScript(f, [{ emit: { type: "agent_message", data: { text: "later" } } }]);
    await page.locator(`tr[data-run-id="${later.run_id}"]`).waitFor({ timeout: 5_000 });
    await waitForStatus(f.engine, later.run_id, ["completed"]);
    await page
      .locator(`tr[data-run-id="${later.run_id}"] .badge`, { hasText: "completed" })
      .waitFor({ timeout: 5_000 });
    // Newest first.
    const ids = await page
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run-id")));
    assert.deepEqual(ids.slice(0, 2), [later.run_id, finishedId]);

    // A run waiting for input, so the screenshot shows more than one kind of badge.
    const waiting = spawnScript(f, [{ ask: { kind: "permission", text: "May I run rm -rf build?" } }]);
    await waitForStatus(f.engine, waiting.run_id, ["input_required"]);
    await page
      .locator(`tr[data-run-id="${waiting.run_id}"] .badge`, { hasText: "input_required" })
      .waitFor({ timeout: 5_000 });

    // Layout: key elements are visible, sized sanely, do not overlap, and nothing overflows sideways.
    // (No named inner functions: tsx would wrap them in a helper the page does not have.)
    const layout = await page.evaluate(() => {
      const boxes = Object.fromEntries(
        ["header.top", "#runs", "tbody tr .badge"].map((sel) => {
          const r = document.querySelector(sel)?.getBoundingClientRect();
          return [sel, r ? { x: r.x, y: r.y, w: r.width, h: r.height } : undefined];
        }),
      );
      const rows = [...document.querySelectorAll("tbody tr")].map((r) => r.getBoundingClientRect());
      return {
        header: boxes["header.top"],
        table: boxes["#runs"],
        badge: boxes["tbody tr .badge"],
        rows: rows.map((r) => ({ y: r.y, h: r.height })),
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      };
    });
    assert.ok(
      layout.header && layout.header.y === 0 && layout.header.h >= 30 && layout.header.h <= 80,
      JSON.stringify(layout.header),
    );
    assert.ok(
      layout.table && layout.table.w >= 900 && layout.table.y >= (layout.header?.h ?? 0),
      JSON.stringify(layout.table),
    );
    assert.ok(
      layout.badge && layout.badge.w >= 40 && layout.badge.h >= 12 && layout.badge.h <= 30,
      JSON.stringify(layout.badge),
    );
    for (const r of layout.rows) assert.ok(r.h >= 20 && r.h <= 80, `row height ${r.h}`);
    for (let i = 1; i < layout.rows.length; i++) {
      const [a, b] = [layout.rows[i - 1], layout.rows[i]];
      assert.ok(a && b && b.y >= a.y + a.h - 1, "rows overlap");
    }
    assert.ok(layout.scrollWidth <= layout.innerWidth, `horizontal overflow: ${layout.scrollWidth}px`);

    const png = await page.screenshot({ fullPage: false });
    writeFileSync(SCREENSHOT, png);
    assert.equal(png.readUInt32BE(16), VIEWPORT.width);
    assert.equal(png.readUInt32BE(20), VIEWPORT.height);
    // Not blank: decode it in the browser and count colours (a broken page is one or two flat colours).
    const blank = await newPage();
    const colours = await blank.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d");
      if (!ctx) return 0;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, img.width, img.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 7)
        seen.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
      return seen.size;
    }, png.toString("base64"));
    assert.ok(colours >= 20, `the screenshot looks blank (${colours} colours)`);
    await blank.close();
    await page.close();
  });

  test("a run page shows the timeline, escapes agent text, and opens an artifact in pages", async () => {
    const page = await newPage();
    await page.goto(withToken(`/runs/${finishedId}`));
    await page.locator("#timeline li.t-run_completed").waitFor();
    const message = page.locator("#timeline li.t-agent_message .body");
    assert.equal(await message.textContent(), HOSTILE);
    assert.equal(await page.locator("#timeline img").count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator("#result .final").textContent(), "all done");
    assert.match((await page.locator("#head").textContent()) ?? "", /completed/);
    assert.equal(await page.locator("#timeline li.t-file_changed li").textContent(), "update src/a.ts");
    // The command's output is folded.
    const details = page.locator("#timeline li.t-command_finished details").first();
    assert.equal(await details.getAttribute("open"), null);
    // The artifact is read on demand, page after page, until whole.
    const artifact = page.locator('#timeline li.t-command_finished .artifact[data-field-path="/stdout"]');
    const content = artifact.locator("pre.artifact-content");
    assert.equal(await content.isVisible(), false);
    const button = artifact.locator("button");
    for (let i = 0; i < 20 && (await button.isVisible()); i++) {
      const before = (await content.textContent())?.length ?? 0;
      await button.click();
      await page.waitForFunction(
        ([sel, n]) => (document.querySelector(sel as string)?.textContent?.length ?? 0) > (n as number),
        [`#timeline li.t-command_finished pre.artifact-content`, before],
      );
      await page.waitForFunction((sel) => {
        const b = document.querySelector(sel) as HTMLButtonElement | null;
        return !b || b.hidden || !b.disabled;
      }, "#timeline li.t-command_finished .artifact button");
    }
    assert.equal(await content.textContent(), BIG_STDOUT);
    await page.close();
  });

  test("a live run's events, pending input and end appear without reload", async () => {
    const live = spawnScript(f, [
      { emit: { type: "agent_message", data: { text: "first" } } },
      { sleep: 1_500 },
      { emit: { type: "command_started", data: { command: "npm test" } } },
      { ask: { kind: "input", text: "Proceed with the deploy?" } },
      { sleep: 300 },
      { emit: { type: "agent_message", data: { text: "LIVE-AFTER-INPUT" } } },
      { sleep: 300 },
      { emit: { type: "run_completed", data: { final_response: "live done" } } },
    ]);
    const page = await newPage();
    await page.goto(withToken(`/runs/${live.run_id}`));
    await page.locator("#timeline li.t-agent_message", { hasText: "first" }).waitFor();
    const loadedAt = await page.evaluate(() => performance.timeOrigin);
    // Emitted after the page loaded (1.5 s sleep), delivered over SSE.
    await page.locator("#timeline li.t-command_started", { hasText: "npm test" }).waitFor({ timeout: 8_000 });
    await page.locator("#pending", { hasText: "Proceed with the deploy?" }).waitFor({ timeout: 8_000 });
    assert.ok(await page.locator("#pending").isVisible());
    assert.match((await page.locator("#head .badge").textContent()) ?? "", /input_required/);
    await f.engine.continueRun({ run_id: live.run_id, prompt: "yes" });
    await page
      .locator("#timeline li.t-agent_message", { hasText: "LIVE-AFTER-INPUT" })
      .waitFor({ timeout: 8_000 });
    await page.locator("#result .final", { hasText: "live done" }).waitFor({ timeout: 8_000 });
    await page.locator("#live", { hasText: "run completed" }).waitFor({ timeout: 8_000 });
    assert.equal(await page.locator("#pending").isVisible(), false);
    // Same document all along: no reload happened.
    assert.equal(await page.evaluate(() => performance.timeOrigin), loadedAt);
    const seqs = await page
      .locator("#timeline li")
      .evaluateAll((items) => items.map((li) => Number(li.getAttribute("data-seq"))));
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i + 1),
    );
    assert.equal(seqs.length, f.engine.getRun(live.run_id).last_seq);
    await page.close();
  });

  test("a browser without the token sees a 401 page saying what to open, and no data", async () => {
    const page = await newPage();
    const res = await page.goto(new URL(`/runs/${finishedId}`, dash.url).href);
    assert.equal(res?.status(), 401);
    assert.match(
      (await page.locator("main").textContent()) ?? "",
      /Open the URL that orchestration-mcp dashboard printed/,
    );
    assert.equal(await page.evaluate(() => fetch("/api/runs").then((r) => r.status)), 401);
    await page.close();
  });

  test("the CLI command serves the dashboard and prints its URL with the token", async () => {
    const cli = await startCli(["--port", "0"]);
    try {
      assert.doesNotMatch(cli.stderr(), /reachable from other machines|busy/);
      const token = new URL(cli.url).searchParams.get("token") ?? "";
      assert.equal((await fetch(new URL("/api/runs", cli.url))).status, 401);
      const res = await fetch(new URL("/api/runs", cli.url), {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.deepEqual(await res.json(), { runs: [] });
      const trade = await fetch(cli.url, { redirect: "manual" });
      assert.equal(trade.status, 303);
      const cookie = (trade.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const html = await (await fetch(new URL("/", cli.url), { headers: { cookie } })).text();
      assert.match(html, /<title>Runs · orchestration-mcp<\/title>/);
      assert.doesNotMatch(html, /(src|href)="https?:/);
    } finally {
      await cli.stop();
    }
  });

  test("the CLI falls back from a busy port and warns when bound beyond loopback", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "0.0.0.0", resolve));
    const busy = (blocker.address() as { port: number }).port;
    try {
      const cli = await startCli(["--port", String(busy), "--host", "0.0.0.0"]);
      try {
        assert.notEqual(Number(new URL(cli.url).port), busy);
        await new Promise((resolve) => setTimeout(resolve, 200)); // stderr may trail stdout
        assert.match(cli.stderr(), new RegExp(`port ${busy} is busy`));
        assert.match(cli.stderr(), /warning: bound to 0\.0\.0\.0, so it is reachable from other machines/);
        const token = new URL(cli.url).searchParams.get("token") ?? "";
        const res = await fetch(new URL("/api/runs", cli.url), {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.status, 200);
      } finally {
        await cli.stop();
      }
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
