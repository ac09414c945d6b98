/**
 * Two servers on one home, each running runs and listing: no catalog error, no lost or duplicated run.
 *
 * Two MCP servers over stdio (the scripted backend as `codex`) share one ORCHESTRATOR_HOME, hence one SQLite
 * catalog in WAL mode with two writers. Both spawn runs at once, in a cwd they share and in cwds of their own,
 * while both keep paging list_runs by cursor and reading the other server's runs. Then the catalog is rebuilt
 * from the run files by `orchestration-mcp reindex`, and at last one server goes away while the other keeps
 * spawning and listing. A second test rebuilds the catalog while both servers are busy.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { RUN_STATUSES, type RunSummary } from "../../src/core/run.js";
import { readRunRecord } from "../../src/store/run-files.js";
import { makeEngine } from "../helpers/engine-fixture.js";
import { type Connected, connect, errorText, type PolledEvent } from "../helpers/mcp-client.js";
import { prng } from "../helpers/prng.js";
import type { Step } from "../helpers/scripted-backend.js";
import { sized } from "../helpers/stress.js";
import { tempDir } from "../helpers/temp.js";

const SERVER = fileURLToPath(new URL("../helpers/scripted-server.ts", import.meta.url));
const ENTRY = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
const PER_SERVER = sized(150, 1_000);
const LATE_RUNS = sized(40, 300);
/** Runs of A still going when it closes: they must end as interrupted, written while B writes too. */
const LINGERING = 10;
/** Not a divisor of the run counts, so the last page is a partial one. */
const PAGE = 37;
/** spawn_run calls each server has outstanding at once. */
const IN_FLIGHT = 8;
/** Listing loops and foreign-read loops each server runs while runs come and go. */
const LISTERS = 2;
const WATCHERS = 4;
const SEED = 20260302;
const ENDED = ["completed", "failed", "cancelled"];

/** Tool errors and broken invariants seen by any task, reported together at the end of a phase. */
const problems: string[] = [];

interface Spawned {
  run_id: string;
  cwd: string;
  host: Peer;
}

interface Poll {
  status: string;
  events: PolledEvent[];
  next_after_seq: number;
  has_more: boolean;
}

/** One server process and the test's client of it. */
class Peer {
  private stderr = "";

  private constructor(
    readonly name: string,
    readonly mcp: Connected,
  ) {
    // Read on, so a chatty server never blocks on a full pipe; its tail is shown with a failed call.
    mcp.transport.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + String(chunk)).slice(-4_000);
    });
  }

  /** Starts a server on `home`; it is closed when the test ends, whatever happens. */
  static async start(t: TestContext, name: string, home: string): Promise<Peer> {
    const mcp = await connect(["--import", "tsx", SERVER], {
      ORCHESTRATOR_HOME: home,
      ORCHESTRATOR_MAX_CONCURRENCY: "32",
    });
    t.after(() => mcp.close());
    return new Peer(name, mcp);
  }

  /** The call's structuredContent, or undefined once an isError answer is recorded with its text. */
  async call<T>(tool: string, args: Record<string, unknown>): Promise<T | undefined> {
    const result = await this.mcp.call(tool, args);
    if (!result.isError) return result.structuredContent as T;
    problems.push(`${this.name}: ${tool} ${JSON.stringify(args)}: ${errorText(result)}\n${this.stderr}`);
    return undefined;
  }

  /** Every page of list_runs, following next_cursor; undefined when a page failed. */
  async listAll(filter: Record<string, unknown>): Promise<RunSummary[] | undefined> {
    const runs: RunSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call<{ runs: RunSummary[]; next_cursor?: string }>("list_runs", {
        ...filter,
        limit: PAGE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      if (!page) return undefined;
      runs.push(...page.runs);
      cursor = page.next_cursor;
    } while (cursor !== undefined);
    return runs;
  }

  close(): Promise<void> {
    return this.mcp.close();
  }
}

/** A few events around short sleeps, so many runs are live at once and each changes status while others list. */
function script(random: () => number): Step[] {
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low));
  return [
    { burst: between(1, 5) },
    { sleep: between(20, 120) },
    { emit: { type: "agent_message", data: { text: "halfway" } } },
    { sleep: between(10, 60) },
    { burst: between(1, 4) },
  ];
}

/** Runs `work` on every item, `width` at a time. */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** `count` loops of `work` at once until `stop.done`; resolves to how many rounds they made in all. */
async function repeat(count: number, stop: { done: boolean }, work: (round: number) => Promise<void>) {
  let rounds = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      while (!stop.done) await work(rounds++);
    }),
  );
  return rounds;
}

/** Spawns `count` runs on `peer`, IN_FLIGHT at a time, round-robin over `cwds`; each is added once answered. */
async function spawnMany(peer: Peer, count: number, cwds: string[], into: Spawned[], steps = script) {
  const random = prng(SEED + 1_000 * peer.name.charCodeAt(0) + into.length);
  await pool([...Array(count).keys()], IN_FLIGHT, async (i) => {
    const cwd = cwds[i % cwds.length] as string;
    const run = await peer.call<{ run_id: string; status: string }>("spawn_run", {
      backend: "codex",
      role: "worker",
      cwd,
      prompt: `${peer.name} run ${i}`,
      backend_config: { script: steps(random) },
    });
    if (run) into.push({ run_id: run.run_id, cwd, host: peer });
  });
}

/** Ids given more than once, missing or unexpected: all three empty when `got` is `want`, each once. */
function assertSameIds(label: string, got: string[], want: Iterable<string>): void {
  const wanted = new Set(want);
  const seen = new Set<string>();
  const duplicates = got.filter((id) => seen.has(id) || !seen.add(id));
  const missing = [...wanted].filter((id) => !seen.has(id));
  const extra = [...seen].filter((id) => !wanted.has(id));
  assert.deepEqual({ duplicates, missing, extra }, { duplicates: [], missing: [], extra: [] }, label);
}

/** One listing pass while runs come and go: each run at most once, newest first, none spawned before it lost. */
function checkPass(label: string, runs: RunSummary[], spawnedBefore: Spawned[]): void {
  const ids = new Set(runs.map((run) => run.run_id));
  if (ids.size !== runs.length) problems.push(`${label}: ${runs.length - ids.size} run(s) listed twice`);
  const lost = spawnedBefore.filter((run) => !ids.has(run.run_id));
  if (lost.length > 0) {
    problems.push(
      `${label}: ${lost.length} run(s) spawned before the pass are missing, e.g. ${lost[0]?.run_id}`,
    );
  }
  const unordered = runs.findIndex(
    (run, i) => i > 0 && (runs[i - 1] as RunSummary).created_at < run.created_at,
  );
  if (unordered !== -1) problems.push(`${label}: not newest first at index ${unordered}`);
}

/** Pages through list_runs, every other pass filtered by the shared cwd; checks each pass. */
async function listPass(peer: Peer, spawned: Spawned[], sharedCwd: string, pass: number): Promise<void> {
  const byCwd = pass % 2 === 1;
  const before = spawned.filter((run) => !byCwd || run.cwd === sharedCwd);
  const runs = await peer.listAll(byCwd ? { cwd: sharedCwd } : {});
  if (runs) checkPass(`${peer.name} list_runs${byCwd ? " by cwd" : ""} pass ${pass}`, runs, before);
}

/** get_run and poll_events (half of them long-polls) on a random run another server hosts. */
async function foreignRead(peer: Peer, spawned: Spawned[], random: () => number): Promise<void> {
  const foreign = spawned.filter((run) => run.host !== peer);
  const target = foreign[Math.floor(random() * foreign.length)];
  if (!target) {
    await sleep(10);
    return;
  }
  const run = await peer.call<RunSummary>("get_run", { run_id: target.run_id });
  if (run && (run.run_id !== target.run_id || run.cwd !== target.cwd)) {
    problems.push(`${peer.name}: get_run ${target.run_id} answered ${JSON.stringify(run)}`);
  }
  const after = Math.floor(random() * ((run?.last_seq ?? 0) + 1));
  const page = await peer.call<Poll>("poll_events", {
    run_id: target.run_id,
    after_seq: after,
    wait_ms: random() < 0.5 ? 0 : 250,
    limit: 1000,
  });
  const gap = page?.events.findIndex((event, i) => event.seq !== after + 1 + i) ?? -1;
  if (gap !== -1)
    problems.push(`${peer.name}: poll_events ${target.run_id} after ${after}: seq gap at ${gap}`);
}

/** Lists and reads foreign runs on every peer until `stop.done`; resolves to a line of counts. */
async function busyReaders(peers: Peer[], spawned: Spawned[], sharedCwd: string, stop: { done: boolean }) {
  const counts = await Promise.all(
    peers.map(async (peer) => {
      const random = prng(SEED + peer.name.charCodeAt(0));
      const [passes, reads] = await Promise.all([
        repeat(LISTERS, stop, (pass) => listPass(peer, spawned, sharedCwd, pass)),
        repeat(WATCHERS, stop, () => foreignRead(peer, spawned, random)),
      ]);
      return `${peer.name}: ${passes} list passes, ${reads} foreign reads`;
    }),
  );
  return counts.join("; ");
}

/** Long-polls a run through `peer` to its end; records a run that does not end with run_completed. */
async function waitCompleted(peer: Peer, runId: string): Promise<void> {
  let after = 0;
  let last: PolledEvent | undefined;
  for (let polls = 0; polls < 100; polls++) {
    const page = await peer.call<Poll>("poll_events", {
      run_id: runId,
      after_seq: after,
      wait_ms: 5_000,
      limit: 1000,
    });
    if (!page) return;
    last = page.events.at(-1) ?? last;
    after = page.next_after_seq;
    if (ENDED.includes(page.status) && !page.has_more) {
      if (last?.type !== "run_completed")
        problems.push(`run ${runId} ended ${page.status}, last ${last?.type}`);
      return;
    }
  }
  problems.push(`${peer.name}: run ${runId} did not end`);
}

/** Waits for every run to complete, each through its own host. */
const settle = (runs: Spawned[]): Promise<void> =>
  pool(runs, 32, (run) => waitCompleted(run.host, run.run_id));

/** get_run of every run through `peer`, by run id. */
async function readAll(peer: Peer, runs: Spawned[]): Promise<Map<string, RunSummary>> {
  const byId = new Map<string, RunSummary>();
  await pool(runs, 16, async (run) => {
    const summary = await peer.call<RunSummary>("get_run", { run_id: run.run_id });
    if (summary) byId.set(run.run_id, summary);
  });
  return byId;
}

/**
 * What `peer` lists (all pages; by each cwd; by each status) is exactly `truth`: each run once, each summary the
 * one get_run gives.
 */
async function assertListings(peer: Peer, truth: Map<string, RunSummary>): Promise<void> {
  const all = (await peer.listAll({})) ?? [];
  assertSameIds(
    `${peer.name}: list_runs, all pages`,
    all.map((run) => run.run_id),
    truth.keys(),
  );
  for (const run of all)
    assert.deepEqual(run, truth.get(run.run_id), `${peer.name}: list entry ${run.run_id}`);
  const truths = [...truth.values()];
  for (const cwd of new Set(truths.map((run) => run.cwd))) {
    const listed = (await peer.listAll({ cwd })) ?? [];
    const want = truths.filter((run) => run.cwd === cwd).map((run) => run.run_id);
    assertSameIds(
      `${peer.name}: list_runs cwd ${cwd}`,
      listed.map((run) => run.run_id),
      want,
    );
  }
  for (const status of RUN_STATUSES) {
    const listed = (await peer.listAll({ status })) ?? [];
    const want = truths.filter((run) => run.status === status).map((run) => run.run_id);
    assertSameIds(
      `${peer.name}: list_runs status ${status}`,
      listed.map((run) => run.run_id),
      want,
    );
  }
}

/** `orchestration-mcp reindex --json` (from source) on `home`, while the servers go on. */
async function reindexCli(home: string): Promise<{ runs: number; skipped: unknown[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", ENTRY, "reindex", "--json"],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NO_COLOR: "1",
        ORCHESTRATOR_HOME: home,
      },
    },
  );
  return JSON.parse(stdout) as { runs: number; skipped: unknown[] };
}

function assertNoProblems(phase: string): void {
  assert.deepEqual(problems.splice(0), [], `${phase}: tool errors or broken invariants`);
}

const realTempDir = (prefix: string): string => realpathSync(tempDir(prefix));

/** Two servers on a new home; each spawns in the cwd they share and in two of its own. */
async function twoServers(t: TestContext) {
  const home = tempDir("orch-two-home-");
  const shared = realTempDir("orch-two-shared-");
  const a = await Peer.start(t, "A", home);
  const b = await Peer.start(t, "B", home);
  const cwds = new Map([
    [a, [shared, realTempDir("orch-two-a1-"), realTempDir("orch-two-a2-")]],
    [b, [shared, realTempDir("orch-two-b1-"), realTempDir("orch-two-b2-")]],
  ]);
  return { home, shared, a, b, cwdsOf: (peer: Peer) => cwds.get(peer) ?? [] };
}

test("Two servers on one home, each running runs and listing: no catalog error, no lost or duplicated run", {
  timeout: sized(240_000, 1_200_000),
}, async (t) => {
  const { home, shared, a, b, cwdsOf } = await twoServers(t);
  const spawned: Spawned[] = [];

  let started = Date.now();
  const stop = { done: false };
  const readers = busyReaders([a, b], spawned, shared, stop);
  await Promise.all([a, b].map((peer) => spawnMany(peer, PER_SERVER, cwdsOf(peer), spawned)));
  await settle(spawned);
  stop.done = true;
  console.log(`phase 1: ${spawned.length} runs on 2 servers in ${Date.now() - started} ms; ${await readers}`);
  assertNoProblems("phase 1");
  assert.equal(spawned.length, 2 * PER_SERVER);

  const truth = await readAll(a, spawned);
  assert.deepEqual(await readAll(b, spawned), truth, "get_run agrees on both servers");
  for (const run of truth.values()) assert.equal(run.status, "completed", `run ${run.run_id}`);
  for (const peer of [a, b]) await assertListings(peer, truth);
  assertNoProblems("final listings");

  started = Date.now();
  assert.deepEqual(await reindexCli(home), { runs: spawned.length, skipped: [] });
  for (const peer of [a, b]) await assertListings(peer, truth);
  console.log(`phase 2: reindex, then every listing again, in ${Date.now() - started} ms`);
  assertNoProblems("after reindex");

  started = Date.now();
  const early = spawned.length;
  const lateStop = { done: false };
  const lateReaders = busyReaders([b], spawned, shared, lateStop);
  await spawnMany(a, LINGERING, cwdsOf(a), spawned, () => [{ burst: 2 }, { hang: true }]);
  const half = Math.ceil(LATE_RUNS / 2);
  await spawnMany(b, half, cwdsOf(b), spawned);
  await Promise.all([a.close(), spawnMany(b, LATE_RUNS - half, cwdsOf(b), spawned)]);
  const late = spawned.slice(early);
  await settle(late.filter((run) => run.host === b));
  lateStop.done = true;
  console.log(`phase 3 (A closed while B spawns ${LATE_RUNS} and lists): ${await lateReaders}`);
  assertNoProblems("phase 3");

  const survivors = await readAll(b, spawned);
  const lingering = new Set(late.filter((run) => run.host === a).map((run) => run.run_id));
  for (const run of survivors.values()) {
    if (!lingering.has(run.run_id)) assert.equal(run.status, "completed", `run ${run.run_id}`);
    else assert.deepEqual([run.status, run.error?.code], ["failed", "interrupted"], `run ${run.run_id}`);
  }
  await assertListings(b, survivors);
  await assertListings(await Peer.start(t, "C", home), survivors);
  console.log(`phase 3 and its checks, a new server's included: ${Date.now() - started} ms`);
  assertNoProblems("after A closed");
});

test("Reindex while two servers spawn and list: no run drops out of the catalog, none is left with an old status", {
  timeout: sized(120_000, 600_000),
}, async (t) => {
  const { home, shared, a, b, cwdsOf } = await twoServers(t);
  // Engine.reindex from this process: a third writer, and fast enough to rebuild many times meanwhile.
  const rebuilder = makeEngine({}, home).engine;
  t.after(() => rebuilder.shutdown());
  const spawned: Spawned[] = [];
  const stop = { done: false };
  const readers = busyReaders([a, b], spawned, shared, stop);
  const spawning = Promise.all([a, b].map((peer) => spawnMany(peer, PER_SERVER, cwdsOf(peer), spawned)));
  const rebuilding = repeat(1, stop, async (round) => {
    const before = spawned.slice();
    rebuilder.reindex();
    const runs = await a.listAll({});
    if (runs) checkPass(`A list_runs right after reindex ${round}`, runs, before);
    await sleep(20);
  });
  await spawning;
  stop.done = true;
  console.log(`${await rebuilding} reindexes while ${spawned.length} runs were spawned; ${await readers}`);
  await settle(spawned);

  // One report of all three: each says something different about where the rebuild races the servers.
  const listed = (await a.listAll({})) ?? [];
  const listedIds = new Set(listed.map((run) => run.run_id));
  assert.equal(listed.length, listedIds.size, "no run listed twice");
  const report = {
    missing_for_good: spawned.filter((run) => !listedIds.has(run.run_id)).map((run) => run.run_id),
    listed_with_an_old_status: listed
      .filter((run) => run.status !== readRunRecord(run.cwd, run.run_id)?.status)
      .map((run) => `${run.run_id} listed ${run.status}`),
    errors_and_misses_meanwhile: problems.splice(0),
  };
  assert.deepEqual(
    report,
    { missing_for_good: [], listed_with_an_old_status: [], errors_and_misses_meanwhile: [] },
    "the catalog rebuilt under load",
  );
});
