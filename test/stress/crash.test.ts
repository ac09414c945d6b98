/**
 * Crash fault injection over the real MCP stdio path: a server (scripted backend as `codex`) hosting two runs that
 * write events as fast as they can, big fields moving to artifacts mid-run, is SIGKILLed at a seeded random moment
 * (during spawn_run, right after it, once polls saw some events, or at a random time), again and again on one home
 * and one cwd. The store as the kill left it must hold whole JSON files. Then a server on the same home and cwd
 * (started after the kill, or in the second test already running before it) must find: list_runs, asked first,
 * shows every stored run once and none still open; every events.jsonl, read raw, has whole lines numbered 1..n;
 * every event a poll returned before the kill is still there unchanged; the log is exactly what the script emitted
 * (artifacts paged back whole through get_event_artifact), ended by run_failed/interrupted; get_run, run.json and
 * the session file agree; and continue_run resumes the backend session and completes.
 *
 * The seed is printed; CRASH_SEED=<seed> replays the scripts and kill plans (the instant a kill lands still
 * depends on timing). STRESS_LONG=1 runs the long mode.
 */
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { RunSummary } from "../../src/core/run.js";
import type { ArtifactResult, ContinueResult, SpawnResult } from "../../src/engine/requests.js";
import type { AgentEvent, ArtifactRef, RunEvent } from "../../src/events/types.js";
import { Catalog } from "../../src/store/catalog.js";
import { eventsFile, runFile, runsDir, sessionFile, storeRoot } from "../../src/store/paths.js";
import { type IterationPlan, planIteration, type RunPlan, scriptEvents } from "../helpers/crash-plan.js";
import { type Connected, connect, pollUntil } from "../helpers/mcp-client.js";
import { prng } from "../helpers/prng.js";
import {
  artifactDirs,
  assertJsonFilesParse,
  readEventLines,
  readEventLog,
  readJson,
  runDirs,
  strayTempFiles,
} from "../helpers/store-scan.js";
import { sized } from "../helpers/stress.js";
import { tempDir } from "../helpers/temp.js";

const SERVER = fileURLToPath(new URL("../helpers/scripted-server.ts", import.meta.url));
const KILLS = sized(10, 60);
const SURVIVOR_KILLS = sized(3, 10);
const RUNS_PER_SERVER = 2;
const TERMINAL = ["completed", "failed", "cancelled"];

interface Server {
  mcp: Connected;
  pid: number;
  /** Resolves once the process has exited and been reaped, so its pid no longer looks alive. */
  closed: Promise<void>;
  exited: boolean;
  stderr(): string;
}

interface PollPage {
  status: string;
  events: RunEvent[];
  next_after_seq: number;
  has_more: boolean;
}

/** An event the log must hold: `partial` data is checked key by key (run_started carries more). */
interface Expected {
  type: string;
  data: Record<string, unknown>;
  partial?: boolean;
}

/** A run found after a crash, checked, and ready for its follow-up. */
interface CheckedRun {
  runId: string;
  sessionId: string;
  plan: RunPlan;
  /** The session had recorded its backend thread, so the follow-up resumes it. */
  bound: boolean;
}

interface Stats {
  kills: number;
  runs: number;
  interrupted: number;
  finishedBeforeKill: number;
  /** Run folders a kill left before run.json was written: invisible to every tool. */
  halfMade: number;
  /** Artifact folders whose event line the kill prevented. */
  orphanArtifacts: number;
  /** Logs the kill left with a half-written last line. */
  tornLines: number;
  unboundSessions: number;
  polledEvents: number;
}

interface Context {
  home: string;
  cwd: string;
  /** Run ids already verified in an earlier iteration. */
  checked: Set<string>;
  stats: Stats;
}

async function startServer(home: string): Promise<Server> {
  const mcp = await connect(["--import", "tsx", SERVER], { ORCHESTRATOR_HOME: home });
  let stderr = "";
  mcp.transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const pid = mcp.transport.pid;
  assert.ok(pid, "the server process has a pid");
  const server: Server = { mcp, pid, closed: Promise.resolve(), exited: false, stderr: () => stderr };
  server.closed = new Promise<void>((resolve) => {
    mcp.client.onclose = () => {
      server.exited = true;
      resolve();
    };
  });
  return server;
}

const eventsIn = (runDir: string): string => join(runDir, "events.jsonl");

const spawnArgs = (run: RunPlan, cwd: string) => ({
  backend: "codex",
  role: "worker",
  cwd,
  prompt: `burst ${run.slot}`,
  metadata: { slot: run.slot },
  backend_config: { script: run.script, resume_script: run.resumeScript },
});

/** The server wrote no error of its own (each starts with its name) to stderr. */
function assertNoServerErrors(server: Server): void {
  assert.doesNotMatch(server.stderr(), /orchestration-mcp:/, "the server reports no error");
}

/** Follows a run with poll_events, recording every event answered, until it ends or `stop` says so. */
async function follow(mcp: Connected, runId: string, into: RunEvent[], stop: () => boolean): Promise<void> {
  let after = 0;
  while (!stop()) {
    let page: PollPage;
    try {
      page = await mcp.ok<PollPage>("poll_events", {
        run_id: runId,
        after_seq: after,
        limit: 1000,
        wait_ms: 1000,
      });
    } catch (error) {
      // The server answering was the one killed.
      if (stop()) return;
      throw error;
    }
    for (const [i, event] of page.events.entries()) {
      assert.equal(event.seq, after + 1 + i, "a poll answers the events right after after_seq, in order");
    }
    into.push(...page.events);
    after = page.next_after_seq;
    if (TERMINAL.includes(page.status) && !page.has_more) return;
  }
}

async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/**
 * Spawns the plan's runs on `victim`, follows them with polls through `watcher`, and SIGKILLs the victim where
 * the plan says; returns what the polls saw. A watcher other than the victim stops polling just before the
 * kill: a poll after it would end the runs itself, and the watcher's other tools must do that unprompted.
 */
async function runUntilKilled(
  victim: Server,
  watcher: Server,
  plan: IterationPlan,
  cwd: string,
): Promise<Map<string, RunEvent[]>> {
  const spawns = plan.runs.map((run) => victim.mcp.ok<SpawnResult>("spawn_run", spawnArgs(run, cwd)));
  const answered = Promise.allSettled(spawns);
  const polled = new Map<string, RunEvent[]>();
  let stopped = false;
  let following: Promise<PromiseSettledResult<void>[]> = Promise.resolve([]);
  if (plan.kill.mode === "spawning") {
    await sleep(plan.kill.delayMs);
  } else {
    const runs = await Promise.all(spawns);
    const pollers = runs.map((run) => {
      const events: RunEvent[] = [];
      polled.set(run.run_id, events);
      return follow(watcher.mcp, run.run_id, events, () => stopped);
    });
    let pollersDone = false;
    following = Promise.allSettled(pollers).finally(() => {
      pollersDone = true;
    });
    if (plan.kill.mode === "polled") {
      const seen = () => [...polled.values()].reduce((sum, events) => sum + events.length, 0);
      await until(() => seen() >= plan.kill.afterPolled || pollersDone, "the polls to see enough events");
    }
    await sleep(plan.kill.delayMs);
  }
  stopped = true;
  if (watcher !== victim) await following;
  process.kill(victim.pid, "SIGKILL");
  await victim.closed;
  for (const result of await answered) {
    if (result.status === "fulfilled") {
      if (!polled.has(result.value.run_id)) polled.set(result.value.run_id, []);
    } else assert.doesNotMatch(String(result.reason), /spawn_run failed/, "spawn_run refused nothing");
  }
  for (const result of await following) if (result.status === "rejected") throw result.reason;
  return polled;
}

/** Sets the value at a JSON Pointer (RFC 6901); "" replaces the whole. */
function setPointer(root: unknown, pointer: string, value: unknown): unknown {
  if (pointer === "") return value;
  const segments = pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  let parent = root as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) parent = parent[segment] as Record<string, unknown>;
  parent[segments.at(-1) as string] = value;
  return root;
}

async function readArtifact(mcp: Connected, runId: string, seq: number, ref: ArtifactRef, limit: number) {
  let offset = 0;
  let content = "";
  for (;;) {
    const page = await mcp.ok<ArtifactResult>("get_event_artifact", {
      run_id: runId,
      seq,
      field_path: ref.field_path,
      offset,
      limit,
    });
    content += page.content;
    offset = page.next_offset;
    if (!page.has_more) break;
  }
  assert.equal(Buffer.byteLength(content), ref.total_bytes, `artifact ${seq}${ref.field_path} is whole`);
  return ref.mime_type === "application/json" ? (JSON.parse(content) as unknown) : content;
}

/** An event's data as the backend gave it: each moved field paged back through get_event_artifact. */
async function restoredData(mcp: Connected, event: RunEvent, pageBytes: number): Promise<unknown> {
  const { artifact_refs: refs, ...inline } = event.data;
  if (!Array.isArray(refs)) return event.data;
  let data: unknown = structuredClone(inline);
  for (const ref of refs as ArtifactRef[]) {
    data = setPointer(data, ref.field_path, await readArtifact(mcp, event.run_id, event.seq, ref, pageBytes));
  }
  return data;
}

/** The whole log a run playing `events` writes when nothing stops it. */
function expectedLog(head: Record<string, unknown>, events: AgentEvent[]): Expected[] {
  const texts = events.flatMap((e) => (e.type === "agent_message" ? [e.data.text] : []));
  return [
    { type: "run_started", data: head, partial: true },
    { type: "status_changed", data: { status: "running" } },
    ...events,
    { type: "run_completed", data: { final_response: texts.at(-1) ?? "" } },
  ];
}

/** Each logged event is the expected one at its place, big fields included. */
async function assertLogMatches(mcp: Connected, log: RunEvent[], expected: Expected[], pageBytes: number) {
  assert.ok(
    log.length <= expected.length,
    `the log has ${log.length} events, the script only ${expected.length}`,
  );
  for (const [i, event] of log.entries()) {
    const want = expected[i] as Expected;
    assert.equal(event.type, want.type, `event ${event.seq} is a ${want.type}`);
    const data = await restoredData(mcp, event, pageBytes);
    if (want.partial) {
      for (const [key, value] of Object.entries(want.data)) {
        assert.deepEqual((data as Record<string, unknown>)[key], value, `event ${event.seq} data.${key}`);
      }
    } else assert.deepEqual(data, want.data, `event ${event.seq} holds what the backend emitted`);
  }
}

/** A folder a kill left before run.json: nothing in it, and no tool claims it. */
async function checkHalfMade(mcp: Connected, runId: string, dir: string): Promise<void> {
  assert.deepEqual(readEventLog(eventsIn(dir)), [], `half-made run ${runId} has no events`);
  assert.deepEqual(artifactDirs(dir), [], `half-made run ${runId} has no artifacts`);
  const got = await mcp.call("get_run", { run_id: runId });
  assert.equal(got.isError, true, `half-made run ${runId} is not served`);
}

/** Every check on one run the kill caught; returns what its follow-up needs. */
async function checkCrashedRun(
  ctx: Context,
  mcp: Connected,
  found: { runId: string; dir: string; record: Record<string, unknown> },
  plan: IterationPlan,
  polled: RunEvent[],
): Promise<CheckedRun> {
  const { runId, dir } = found;
  const slot = (found.record.metadata as { slot?: string } | undefined)?.slot;
  const run = plan.runs.find((r) => r.slot === slot);
  assert.ok(run, `run ${runId} belongs to this iteration (metadata.slot ${slot})`);
  // First, since a server that outlived the killed one recovers a run when it is first asked about it.
  const summary = await mcp.ok<RunSummary>("get_run", { run_id: runId });
  const log = readEventLog(eventsFile(ctx.cwd, runId));
  for (const event of polled) {
    assert.deepEqual(
      log[event.seq - 1],
      event,
      `event ${event.seq} of ${runId}, polled before the kill, is intact`,
    );
  }
  const last = log.at(-1);
  assert.ok(last, `run ${runId} has a terminal event`);
  assert.equal(summary.last_seq, log.length, "get_run's last_seq is the log's last line");
  const expected = expectedLog(
    { prompt: `burst ${run.slot}`, session_mode: "new" },
    scriptEvents(run.script),
  );
  if (last.type === "run_completed") {
    ctx.stats.finishedBeforeKill++;
    assert.equal(summary.status, "completed");
    assert.equal(log.length, expected.length, "a completed run logged its whole script");
    await assertLogMatches(mcp, log, expected, plan.pageBytes);
  } else {
    ctx.stats.interrupted++;
    assert.equal(last.type, "run_failed", `the last event of ${runId} is terminal`);
    assert.equal(last.data.code, "interrupted");
    assert.equal(summary.status, "failed");
    assert.equal(summary.error?.code, "interrupted");
    await assertLogMatches(mcp, log.slice(0, -1), expected.slice(0, -1), plan.pageBytes);
  }
  const record = readJson(runFile(ctx.cwd, runId));
  assert.equal(record?.status, summary.status, "run.json agrees with get_run");
  assert.equal(record?.last_seq, log.length, "run.json's last_seq is the log's last line");
  checkArtifactFolders(ctx, dir, log);
  const bound = checkSession(ctx, summary.session_id, runId, run, log);
  const listed = await mcp.ok<{ runs: RunSummary[] }>("list_runs", { session_id: summary.session_id });
  const mine = listed.runs.filter((r) => r.run_id === runId);
  assert.equal(mine.length, 1, `list_runs shows ${runId} exactly once`);
  assert.equal(mine[0]?.status, summary.status, "list_runs agrees with get_run");
  return { runId, sessionId: summary.session_id, plan: run, bound };
}

/** An artifact folder without its event can only be the one the kill cut short: its seq went to run_failed. */
function checkArtifactFolders(ctx: Context, dir: string, log: RunEvent[]): void {
  for (const folder of artifactDirs(dir)) {
    const event = log[folder.seq - 1];
    if (event?.type === folder.type && Array.isArray(event.data.artifact_refs)) {
      assert.ok(folder.hasManifest, `artifacts of event ${folder.seq} have their manifest`);
      continue;
    }
    assert.equal(folder.seq, log.length, `artifact folder ${folder.seq}-${folder.type} has no event`);
    ctx.stats.orphanArtifacts++;
  }
}

/**
 * The session file lists the run and, once any backend event is on disk, the thread the script bound. The binding
 * goes to the catalog first, then the file: a kill between the two leaves it in the catalog only, which is what a
 * resume follows.
 */
function checkSession(
  ctx: Context,
  sessionId: string,
  runId: string,
  run: RunPlan,
  log: RunEvent[],
): boolean {
  const session = readJson<{ run_ids: string[]; backend_session_id?: string }>(
    sessionFile(ctx.cwd, sessionId),
  );
  assert.ok(session, `session ${sessionId} has its file`);
  assert.ok(session.run_ids.includes(runId), `session ${sessionId} lists run ${runId}`);
  const catalog = Catalog.open(ctx.home);
  const kept = catalog.getSession(sessionId)?.backend_session_id;
  catalog.close();
  if (session.backend_session_id !== undefined) assert.equal(kept, session.backend_session_id);
  const bound = kept !== undefined;
  if (bound) assert.equal(kept, run.thread);
  // The script binds its thread before its first event, and the binding is written before that event is.
  if (log.length > 2 && log[2]?.type !== "run_failed") assert.ok(bound, "the session recorded its thread");
  if (!bound) ctx.stats.unboundSessions++;
  return bound;
}

/** continue_run starts a run in the same session that resumes the backend thread (or replays, if none) and completes. */
async function checkFollowUp(
  ctx: Context,
  mcp: Connected,
  crashed: CheckedRun,
  pageBytes: number,
): Promise<void> {
  const prompt = "go on after the crash";
  const next = await mcp.ok<ContinueResult>("continue_run", { run_id: crashed.runId, prompt });
  ctx.checked.add(next.run_id);
  assert.equal(next.session_id, crashed.sessionId, "the follow-up is in the same session");
  assert.equal(next.previous_run_id, crashed.runId);
  const { status } = await pollUntil(mcp, next.run_id, TERMINAL);
  assert.equal(status, "completed", `follow-up ${next.run_id} completes`);
  const log = readEventLog(eventsFile(ctx.cwd, next.run_id));
  // The scripted backend plays resume_script only when it is handed the thread to resume.
  const events = scriptEvents(crashed.bound ? crashed.plan.resumeScript : crashed.plan.script);
  const head = { prompt, session_mode: "resume", previous_run_id: crashed.runId };
  const expected = expectedLog(head, events);
  assert.equal(log.length, expected.length, `follow-up ${next.run_id} logged its whole script`);
  await assertLogMatches(mcp, log, expected, pageBytes);
  const session = readJson<{ run_ids: string[]; backend_session_id?: string }>(
    sessionFile(ctx.cwd, crashed.sessionId),
  );
  assert.ok(session, `session ${crashed.sessionId} has its file`);
  assert.equal(session.backend_session_id, crashed.plan.thread, "the session still names its thread");
  assert.ok(session.run_ids.includes(crashed.runId) && session.run_ids.includes(next.run_id));
}

/** list_runs over the cwd shows every run that has a run.json, each once, all ended. */
async function checkListing(mcp: Connected, cwd: string): Promise<void> {
  const listed: RunSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await mcp.ok<{ runs: RunSummary[]; next_cursor?: string }>("list_runs", {
      cwd,
      limit: 200,
      ...(cursor === undefined ? {} : { cursor }),
    });
    listed.push(...page.runs);
    cursor = page.next_cursor;
  } while (cursor !== undefined);
  const ids = new Set(listed.map((r) => r.run_id));
  assert.equal(ids.size, listed.length, "list_runs shows no run twice");
  const stored = runDirs(runsDir(cwd));
  const ghosts = [...ids].filter((id) => !stored.some((d) => d.runId === id && d.record));
  assert.deepEqual(ghosts, [], "every run list_runs shows has its run.json");
  // The files are the truth and the catalog their index: a stored run it does not know is never recovered.
  const unlisted = stored
    .filter((d) => d.record && !ids.has(d.runId))
    .map(
      (d) =>
        `${d.runId} (run.json ${d.record?.status}, ${readEventLines(eventsIn(d.dir)).events.length} events)`,
    );
  assert.deepEqual(unlisted, [], "list_runs shows every run stored in the cwd");
  const open = listed.filter((r) => !TERMINAL.includes(r.status)).map((r) => `${r.run_id} ${r.status}`);
  assert.deepEqual(open, [], "list_runs shows no run of a dead server still open");
}

/** The store exactly as the kill left it, before a server recovers anything: whole JSON, whole lines but the last. */
function checkAsKilled(ctx: Context): void {
  assertJsonFilesParse([storeRoot(ctx.cwd), ctx.home]);
  for (const found of runDirs(runsDir(ctx.cwd))) {
    if (ctx.checked.has(found.runId)) continue;
    if (readEventLines(eventsIn(found.dir)).tornTail) ctx.stats.tornLines++;
  }
}

/** Everything a fresh server must find after one kill, then the follow-ups of the runs it caught. */
async function checkAfterCrash(
  ctx: Context,
  server: Server,
  plan: IterationPlan,
  polled: Map<string, RunEvent[]>,
): Promise<void> {
  const { mcp } = server;
  assertJsonFilesParse([storeRoot(ctx.cwd), ctx.home]);
  // Asked first, before any tool has touched the crashed runs by id.
  await checkListing(mcp, ctx.cwd);
  const fresh = runDirs(runsDir(ctx.cwd)).filter((d) => !ctx.checked.has(d.runId));
  for (const runId of polled.keys()) {
    assert.ok(
      fresh.some((d) => d.runId === runId && d.record),
      `run ${runId}, which spawn_run answered, has its run.json`,
    );
  }
  const crashed: CheckedRun[] = [];
  for (const found of fresh) {
    ctx.checked.add(found.runId);
    if (!found.record) {
      ctx.stats.halfMade++;
      await checkHalfMade(mcp, found.runId, found.dir);
      continue;
    }
    ctx.stats.runs++;
    const record = found.record;
    crashed.push(await checkCrashedRun(ctx, mcp, { ...found, record }, plan, polled.get(found.runId) ?? []));
  }
  ctx.stats.polledEvents += [...polled.values()].reduce((sum, events) => sum + events.length, 0);
  await Promise.all(crashed.map((run) => checkFollowUp(ctx, mcp, run, plan.pageBytes)));
  await checkListing(mcp, ctx.cwd);
  assertNoServerErrors(server);
}

/**
 * Kills a server `kills` times. With `survivor`, the server that checks was started before the kill (it polls
 * the runs meanwhile, from another process, and recovers them lazily); otherwise it is started after the kill
 * (and recovers them at start-up). The checking server is the next one killed.
 */
async function crashLoop(t: TestContext, kills: number, survivor: boolean): Promise<void> {
  const seed = Number(process.env.CRASH_SEED ?? randomInt(2 ** 31));
  t.diagnostic(`seed ${seed} (replay: CRASH_SEED=${seed})`);
  const rand = prng(seed);
  const ctx: Context = {
    home: tempDir("orch-crash-home-"),
    cwd: tempDir("orch-crash-cwd-"),
    checked: new Set(),
    stats: {
      kills: 0,
      runs: 0,
      interrupted: 0,
      finishedBeforeKill: 0,
      halfMade: 0,
      orphanArtifacts: 0,
      tornLines: 0,
      unboundSessions: 0,
      polledEvents: 0,
    },
  };
  const started: Server[] = [];
  const start = async () => {
    const server = await startServer(ctx.home);
    started.push(server);
    return server;
  };
  try {
    let victim = await start();
    for (let i = 0; i < kills; i++) {
      const plan = planIteration(rand, i, RUNS_PER_SERVER);
      try {
        const early = survivor ? await start() : undefined;
        const polled = await runUntilKilled(victim, early ?? victim, plan, ctx.cwd);
        ctx.stats.kills++;
        assertNoServerErrors(victim);
        checkAsKilled(ctx);
        victim = early ?? (await start());
        await checkAfterCrash(ctx, victim, plan, polled);
      } catch (error) {
        const where = `seed ${seed}, kill ${i + 1} (${plan.kill.mode}, ${plan.kill.delayMs} ms)`;
        throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
      }
    }
    await victim.mcp.close();
  } finally {
    // A failed check leaves servers running; they would keep the test process alive.
    for (const server of started) if (!server.exited) process.kill(server.pid, "SIGKILL");
  }
  const stray = strayTempFiles([storeRoot(ctx.cwd), ctx.home]).length;
  t.diagnostic(`${JSON.stringify(ctx.stats)}, stray temp files: ${stray}`);
  assert.equal(ctx.stats.kills, kills);
  assert.ok(ctx.stats.interrupted > 0, "some kill caught a run mid-burst");
  assert.ok(ctx.stats.polledEvents > 0, "some poll answered before a kill");
}

test(`a fresh server after each of ${KILLS} SIGKILLs mid-burst finds whole files, gapless logs, interrupted runs and resumable sessions`, (t) =>
  crashLoop(t, KILLS, false));

test(`a server already running when another is SIGKILLed (${SURVIVOR_KILLS} times) sees the same`, (t) =>
  crashLoop(t, SURVIVOR_KILLS, true));
