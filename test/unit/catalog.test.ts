import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { OrchestratorError } from "../../src/core/errors.js";
import { type RunRecord, type RunStatus, toSummary } from "../../src/core/run.js";
import { buildListQuery, Catalog, type RunFilter } from "../../src/store/catalog.js";
import { tempDir } from "../helpers/temp.js";

const newHome = (): string => tempDir("catalog-test-");

const base = Date.UTC(2025, 5, 1);
function run(i: number, fields: Partial<RunRecord> = {}): RunRecord {
  const at = new Date(base + i * 1000).toISOString();
  return {
    run_id: `run_${String(i).padStart(4, "0")}`,
    session_id: "ses_a",
    backend: "codex",
    role: "worker",
    status: "completed",
    cwd: "/work/a",
    created_at: at,
    updated_at: at,
    last_seq: 3,
    host: { pid: 1234, start_time: at },
    spec: { profile: "/work/a/persona.md" },
    ...fields,
  };
}

const ids = (filter: Omit<RunFilter, "limit">, catalog: Catalog): string[] =>
  catalog.list({ limit: 1000, ...filter }).runs.map((r) => r.run_id);

const isInvalidCursor = (error: unknown): boolean =>
  error instanceof OrchestratorError && error.code === "invalid_input" && error.message.startsWith("cursor:");

describe("catalog", () => {
  test("a new home starts from scratch; reopening keeps what was written", () => {
    const home = newHome();
    const first = Catalog.open(join(home, "nested", "dir"));
    assert.equal(first.rebuiltFromScratch, true);
    first.upsert(run(1));
    first.close();
    const second = Catalog.open(join(home, "nested", "dir"));
    assert.equal(second.rebuiltFromScratch, false);
    assert.equal(second.count(), 1);
    second.close();
  });

  test("upsert, get and replace", () => {
    const catalog = Catalog.open(newHome());
    const record = run(1, { metadata: { ticket: 7 }, result: { final_response: "done" } });
    catalog.upsert(record);
    assert.deepEqual(catalog.get(record.run_id), record);
    assert.equal(catalog.get("run_missing"), undefined);
    catalog.upsert({ ...record, status: "failed", error: { code: "interrupted", message: "host died" } });
    assert.equal(catalog.get(record.run_id)?.status, "failed");
    assert.deepEqual(catalog.get(record.run_id)?.error, { code: "interrupted", message: "host died" });
    assert.equal(catalog.count(), 1);
    catalog.close();
  });

  test("list filters by each field, combines them with AND, and hides host", () => {
    const catalog = Catalog.open(newHome());
    catalog.upsert(run(1));
    catalog.upsert(run(2, { status: "running", backend: "claude_code" }));
    catalog.upsert(run(3, { role: "planner", cwd: "/work/b" }));
    catalog.upsert(run(4, { session_id: "ses_b", status: "running" }));
    assert.deepEqual(ids({}, catalog), ["run_0004", "run_0003", "run_0002", "run_0001"]);
    assert.deepEqual(ids({ status: "running" }, catalog), ["run_0004", "run_0002"]);
    assert.deepEqual(ids({ backend: "claude_code" }, catalog), ["run_0002"]);
    assert.deepEqual(ids({ role: "planner" }, catalog), ["run_0003"]);
    assert.deepEqual(ids({ cwd: "/work/b" }, catalog), ["run_0003"]);
    assert.deepEqual(ids({ session_id: "ses_b" }, catalog), ["run_0004"]);
    assert.deepEqual(ids({ status: "running", session_id: "ses_a" }, catalog), ["run_0002"]);
    assert.deepEqual(ids({ status: "running", role: "planner" }, catalog), []);
    const [summary] = catalog.list({ limit: 1 }).runs;
    assert.ok(summary);
    assert.equal("host" in summary, false);
    assert.equal("spec" in summary, false);
    assert.deepEqual(summary, toSummary(run(4, { session_id: "ses_b", status: "running" })));
    catalog.close();
  });

  test("paging 237 runs by 50 returns each run once, newest first", () => {
    const catalog = Catalog.open(newHome());
    // Three runs share each second, so the run_id tie-break is exercised on every page boundary.
    const records = Array.from({ length: 237 }, (_, i) =>
      run(i, { created_at: new Date(base + Math.floor(i / 3) * 1000).toISOString() }),
    );
    for (const record of [...records].reverse()) catalog.upsert(record);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = catalog.list({ limit: 50, cursor });
      pages++;
      seen.push(...page.runs.map((r) => r.run_id));
      assert.ok(page.runs.length === 50 || page.next_cursor === undefined);
      if (page.next_cursor !== undefined) assert.match(page.next_cursor, /^[A-Za-z0-9_-]+$/);
      cursor = page.next_cursor;
    } while (cursor !== undefined);
    assert.equal(pages, 5);
    assert.deepEqual(seen, records.map((r) => r.run_id).reverse());
    assert.equal(catalog.list({ limit: 237 }).next_cursor, undefined);
    assert.ok(catalog.list({ limit: 236 }).next_cursor);
    catalog.close();
  });

  test("a malformed cursor or limit is invalid input", () => {
    const catalog = Catalog.open(newHome());
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
    const bad = [
      "",
      "not a cursor!",
      Buffer.from("{oops").toString("base64url"),
      encode({}),
      encode([1, 2]),
      encode(["a"]),
    ];
    for (const cursor of bad)
      assert.throws(() => catalog.list({ limit: 10, cursor }), isInvalidCursor, cursor);
    assert.throws(
      () => catalog.list({ limit: 0 }),
      (error: unknown) => error instanceof OrchestratorError && error.message.startsWith("limit:"),
    );
    catalog.close();
  });

  test("each single filter and the ordering are served by an index", () => {
    const home = newHome();
    Catalog.open(home).close();
    const db = new Database(join(home, "catalog.db"), { readonly: true });
    const cursor = Buffer.from(JSON.stringify(["2025-06-01T00:00:00.000Z", "run_1"])).toString("base64url");
    const filters: Omit<RunFilter, "limit">[] = [
      {},
      { status: "running" },
      { session_id: "ses_a" },
      { cwd: "/work/a" },
      { backend: "codex" },
      { role: "worker" },
    ];
    for (const filter of filters) {
      for (const page of [{}, { cursor }]) {
        const { sql, params } = buildListQuery({ ...filter, ...page, limit: 50 });
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
          .map((row) => row.detail)
          .join("; ");
        assert.match(plan, /USING INDEX/, `${JSON.stringify(filter)}: ${plan}`);
        assert.doesNotMatch(plan, /TEMP B-TREE/, `${JSON.stringify(filter)}: ${plan}`);
      }
    }
    db.close();
  });

  test("listUnfinished returns the runs that start-up recovery must look at", () => {
    const catalog = Catalog.open(newHome());
    const statuses: RunStatus[] = [
      "queued",
      "running",
      "input_required",
      "auth_required",
      "completed",
      "failed",
      "cancelled",
    ];
    statuses.forEach((status, i) => {
      catalog.upsert(run(i, { status }));
    });
    const unfinished = catalog.listUnfinished();
    assert.deepEqual(
      unfinished.map((r) => r.status),
      ["queued", "running", "input_required", "auth_required"],
    );
    assert.deepEqual(unfinished[0]?.host, run(0).host);
    catalog.close();
  });

  test("unfinishedHosts names each host of an unfinished run once, skipping the caller's pid", () => {
    const catalog = Catalog.open(newHome());
    const hosts = [
      { pid: 7, start_time: "100" },
      { pid: 7, start_time: "200" },
      { pid: 42, start_time: "" },
      { pid: 9, start_time: "5" },
    ];
    for (let i = 0; i < 400; i++) {
      const status = (["running", "queued", "input_required", "completed"] as const)[i % 4];
      catalog.upsert(run(i, { status, host: hosts[i % 3] as RunRecord["host"] }));
    }
    // Host 9 has finished runs only.
    catalog.upsert(run(1000, { status: "failed", host: hosts[3] as RunRecord["host"] }));
    assert.deepEqual(catalog.unfinishedHosts(0), hosts.slice(0, 3));
    assert.deepEqual(catalog.unfinishedHosts(7), [{ pid: 42, start_time: "" }]);
    catalog.close();
  });

  test("merge takes records at least as new as their rows, and drops only rows whose run is gone", () => {
    const catalog = Catalog.open(newHome());
    for (let i = 0; i < 10; i++) catalog.upsert(run(i, { status: "running" }));
    // A live server wrote run 1 after the scan read it: the older scanned copy must not win.
    const newer = { ...run(1), status: "completed" as const, updated_at: "2099-01-01T00:00:00.000Z" };
    catalog.upsert(newer);
    const scanned = [run(0), run(1), { ...run(2), status: "failed" as const }, run(100)];
    // Runs 3..9 were not scanned: 3 was spawned during the scan (its file exists), the rest are gone.
    assert.equal(
      catalog.merge(scanned, (_cwd, id) => id === "run_0003"),
      4,
    );
    assert.deepEqual(ids({}, catalog), ["run_0100", "run_0003", "run_0002", "run_0001", "run_0000"]);
    assert.equal(catalog.get("run_0001")?.status, "completed");
    assert.equal(catalog.get("run_0002")?.status, "failed");
    assert.equal(
      catalog.merge([], () => false),
      0,
    );
    assert.equal(catalog.count(), 0);
    catalog.close();
  });

  test("merge never replaces a finished run's row: a run.json rewritten in the cwd does not reach the index", () => {
    const catalog = Catalog.open(newHome());
    catalog.upsert(run(1, { result: { final_response: "the real answer" } }));
    const forged = {
      ...run(1),
      updated_at: "2099-01-01T00:00:00.000Z",
      result: { final_response: "forged" },
    };
    catalog.merge([forged], () => true);
    assert.equal(catalog.get("run_0001")?.result?.final_response, "the real answer");
    catalog.close();
  });

  test("a corrupt file is moved aside and a fresh catalog takes its place", () => {
    const home = newHome();
    const garbage = Buffer.from("this is not a sqlite database, just garbage bytes ".repeat(200));
    writeFileSync(join(home, "catalog.db"), garbage);
    const catalog = Catalog.open(home);
    assert.equal(catalog.rebuiltFromScratch, true);
    assert.equal(catalog.count(), 0);
    catalog.upsert(run(1));
    assert.equal(catalog.count(), 1);
    catalog.close();
    const aside = readdirSync(home).filter((name) => name.startsWith("catalog.db.corrupt-"));
    assert.equal(aside.length, 1);
    assert.deepEqual(readFileSync(join(home, aside[0] ?? "")), garbage);
  });

  test("a database from an unknown schema version is moved aside", () => {
    const home = newHome();
    Catalog.open(home).close();
    const db = new Database(join(home, "catalog.db"));
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    const catalog = Catalog.open(home);
    assert.equal(catalog.rebuiltFromScratch, true);
    catalog.close();
    assert.ok(readdirSync(home).some((name) => name.startsWith("catalog.db.corrupt-")));
  });

  test("roots live in the table and in roots.json, and survive a corrupt database", () => {
    const home = newHome();
    const catalog = Catalog.open(home);
    catalog.addRoot("/work/a");
    catalog.addRoot("/work/b");
    catalog.addRoot("/work/a");
    assert.deepEqual(catalog.roots(), ["/work/a", "/work/b"]);
    assert.deepEqual(JSON.parse(readFileSync(join(home, "roots.json"), "utf8")), ["/work/a", "/work/b"]);
    catalog.close();

    writeFileSync(join(home, "catalog.db"), Buffer.alloc(8192, 0xab));
    rmSync(join(home, "catalog.db-wal"), { force: true });
    const rebuilt = Catalog.open(home);
    assert.equal(rebuilt.rebuiltFromScratch, true);
    assert.deepEqual(rebuilt.roots(), ["/work/a", "/work/b"]);
    // Opening copied the file's roots back into the table: losing the file now loses nothing.
    rmSync(join(home, "roots.json"));
    assert.deepEqual(rebuilt.roots(), ["/work/a", "/work/b"]);
    rebuilt.addRoot("/work/c");
    assert.deepEqual(JSON.parse(readFileSync(join(home, "roots.json"), "utf8")), [
      "/work/a",
      "/work/b",
      "/work/c",
    ]);
    rebuilt.close();
  });

  test("SQLite failures surface as store_error", () => {
    const catalog = Catalog.open(newHome());
    catalog.close();
    assert.throws(
      () => catalog.upsert(run(1)),
      (error: unknown) =>
        error instanceof OrchestratorError &&
        error.code === "store_error" &&
        error.message.startsWith("catalog: "),
    );
  });

  test("two processes write to the same home at once", async () => {
    const home = newHome();
    const writer = fileURLToPath(new URL("../helpers/catalog-writer.ts", import.meta.url));
    const children = ["p1", "p2"].map((prefix) =>
      spawn(process.execPath, ["--import", "tsx", writer, home, prefix, "500"], {
        stdio: ["pipe", "pipe", "pipe"],
      }),
    );
    const outcomes = children.map(
      (child) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          let stderr = "";
          child.stderr?.on("data", (chunk) => {
            stderr += chunk;
          });
          child.on("close", (code) => resolve({ code, stderr }));
        }),
    );
    const ready = (child: ChildProcess): Promise<void> =>
      new Promise((resolve) => child.stdout?.once("data", () => resolve()));
    await Promise.all(children.map(ready));
    for (const child of children) child.stdin?.write("go\n");
    for (const outcome of await Promise.all(outcomes)) assert.deepEqual(outcome, { code: 0, stderr: "" });

    const catalog = Catalog.open(home);
    assert.equal(catalog.rebuiltFromScratch, false);
    assert.equal(catalog.count(), 1000);
    assert.equal(catalog.list({ limit: 1000, session_id: "p1_session" }).runs.length, 500);
    const expectedRoots = ["p1", "p2"].flatMap((p) =>
      Array.from({ length: 20 }, (_, i) => `/tmp/${p}/root-${i * 25}`),
    );
    assert.deepEqual(catalog.roots(), [...expectedRoots].sort());
    assert.deepEqual(JSON.parse(readFileSync(join(home, "roots.json"), "utf8")), [...expectedRoots].sort());
    catalog.close();
  });
});
