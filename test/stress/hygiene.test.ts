/**
 * Process hygiene under stress, on the built server over stdio with the real codex and Claude Code CLIs against
 * the fake model servers on 127.0.0.1:
 * - a seeded mix of runs (50; 200 with STRESS_LONG=1), several at once, each cancelled with cancel_run at a
 *   random point: still queued, just started, waiting on the model, running a shell command that leaves a
 *   detached grandchild, waiting for a permission answer, or racing its own completion. Once cancel_run answers,
 *   no process of the run is left; at the end no process the server ever started is.
 * - a server with live runs shut down by closing its stdin (the MCP client's close()), and by SIGTERM: it exits
 *   with code 0, leaves no process behind, and the next server on the same home shows every one of those runs
 *   failed as `interrupted`.
 * The processes are found through /proc (test/helpers/process-walk.ts), sampled all along. HYGIENE_SEED replays
 * a mix; the seed is printed.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { type LocalProvider, startLocalProvider } from "../../src/sim/local-provider.js";
import { type Connected, connect, type PolledEvent } from "../helpers/mcp-client.js";
import { prng } from "../helpers/prng.js";
import { describeProcesses, ProcessWatcher, tagged } from "../helpers/process-walk.js";
import { sized } from "../helpers/stress.js";
import { tempDir } from "../helpers/temp.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const SEED = Number(process.env.HYGIENE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = sized(50, 200);
const CONCURRENCY = 4;
/** More drivers than server slots, so some spawns find every slot taken and wait in the queue. */
const DRIVERS = CONCURRENCY + 2;
/** How long a run may take to reach its cancel point before the test calls it stuck. */
const REACH_MS = 60_000;
/** How long a server may take to exit once told to stop. */
const EXIT_MS = 30_000;
const TERMINAL = ["completed", "failed", "cancelled"];
const TERMINAL_EVENTS = ["run_completed", "run_failed", "run_cancelled"];
/** A shell command that outlives its shell: the detached `sleep` is re-parented away from the CLI at once. */
const DETACHING_COMMAND = "(setsid sleep 300 >/dev/null 2>&1 &); sleep 300";

type Backend = "codex" | "claude_code";
/** Where in its life a run is cancelled. */
type CancelPoint = "queued" | "started" | "model" | "command" | "permission" | "race";

interface Planned {
  index: number;
  backend: Backend;
  point: CancelPoint;
  /** Wait after reaching the point before cancelling. */
  delayMs: number;
  /** For `race`: how long the fake model waits before it answers. */
  modelDelayMs: number;
}

interface Outcome {
  planned: Planned;
  runId: string;
  /** The status cancel_run answered. */
  status: string;
  /** The run's terminal event. */
  end?: string;
  /** Cancelled before it ever ran (no `running` status in its events). */
  whileQueued: boolean;
  cancelMs: number;
}

/** What get_run answers, as far as these tests read it. */
interface RunSummary {
  run_id: string;
  status: string;
  completed_at?: string;
  error?: { code: string; message: string };
}

interface Server {
  mcp: Connected;
  child: ChildProcess;
  watcher: ProcessWatcher;
  /** Where the runs work. */
  cwd: string;
  /** The run ids this server was given, which the watcher looks for in process tags. */
  runIds: Set<string>;
  /** The tail of the server's stderr, for failure messages. */
  stderr(): string;
}

let sim: LocalProvider;

before(async () => {
  sim = await startLocalProvider();
});

after(async () => {
  await sim.close();
  assert.deepEqual(sim.outsideAttempts(), [], "no traffic left 127.0.0.1");
});

/** The server process: the SDK's transport exposes only its pid, and the test needs its exit code and stdin. */
function serverChild(mcp: Connected): ChildProcess {
  const child = (mcp.transport as unknown as { _process?: ChildProcess })._process;
  assert.ok(child, "the stdio transport has a server process");
  return child;
}

async function startServer(home: string, concurrency: number): Promise<Server> {
  const mcp = await connect([DIST], {
    ...sim.env,
    ORCHESTRATOR_HOME: home,
    ORCHESTRATOR_MAX_CONCURRENCY: String(concurrency),
    // As when Claude Code itself starts the server: the backend must strip it for its own CLI.
    CLAUDECODE: "1",
  });
  const child = serverChild(mcp);
  // Read stderr all along: a pipe nobody drains would block the server once it fills.
  let stderr = "";
  mcp.transport.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  const runIds = new Set<string>();
  return {
    mcp,
    child,
    watcher: new ProcessWatcher(child.pid as number, runIds),
    cwd: tempDir("orch-hygiene-cwd-"),
    runIds,
    stderr: () => stderr,
  };
}

/** Resolves with how the process ended, or undefined when it is still running after `ms`. */
async function exitOf(
  child: ChildProcess,
  ms: number,
): Promise<{ code: number | null; signal: string | null } | undefined> {
  const result = () => ({ code: child.exitCode, signal: child.signalCode });
  if (child.exitCode !== null || child.signalCode !== null) return result();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const timer = sleep(ms, "timeout" as const);
  return (await Promise.race([exited, timer])) === "timeout" ? undefined : result();
}

/** Ends what a failed check left running: only processes this test's servers started, by pid. */
function killLeftovers(server: Server): void {
  // A check that failed before the shutdown leaves the server itself running, and the test process with it.
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  for (const p of server.watcher.survivors()) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  server.watcher.stop();
}

/** The prompt and backend_config that take a run to its cancel point and keep it there. */
function scenario(p: Planned): { prompt: string; backend_config?: Record<string, unknown> } {
  // The marker lets the test find the run's requests at the fake model.
  const marker = `hygiene #${p.index} `;
  switch (p.point) {
    case "queued":
    case "started":
    case "model":
      return { prompt: `${marker}[[hang]]` };
    case "command":
      return p.backend === "codex"
        ? { prompt: `${marker}[[exec:${DETACHING_COMMAND}]]` }
        : // A compound command needs Claude Code's permission: allow it without asking.
          { prompt: `${marker}[[bash:${DETACHING_COMMAND}]]`, backend_config: { on_permission: "allow" } };
    case "permission":
      return { prompt: `${marker}[[touch:denied-${p.index}.txt]]` };
    case "race":
      return { prompt: `${marker}[[delay:${p.modelDelayMs}]] [[say:finished ${p.index}]]` };
  }
}

const POINT_WEIGHTS: [CancelPoint, number][] = [
  ["queued", 15],
  ["started", 20],
  ["model", 20],
  ["command", 20],
  ["permission", 10],
  ["race", 15],
];

function plan(seed: number, count: number): Planned[] {
  const random = prng(seed);
  const total = POINT_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  const pick = (): CancelPoint => {
    let roll = random() * total;
    for (const [point, weight] of POINT_WEIGHTS) {
      roll -= weight;
      if (roll < 0) return point;
    }
    return "race";
  };
  return Array.from({ length: count }, (_, index) => {
    const backend: Backend = random() < 0.5 ? "codex" : "claude_code";
    let point = pick();
    // Codex runs with approval_policy "never": it never asks, so its permission share waits on the model.
    if (point === "permission" && backend === "codex") point = "model";
    // A race's cancel lands anywhere from its start to after a typical finish (2-4 s on a busy machine).
    const delayMs = Math.floor(random() * (point === "race" ? 6_000 : point === "started" ? 1_000 : 300));
    return { index, backend, point, delayMs, modelDelayMs: Math.floor(random() * 1_000) };
  });
}

/** Whether the run has reached its cancel point, judged from its events and the fake model's requests. */
function arrived(p: Planned, events: PolledEvent[]): boolean {
  const has = (type: string, status?: string) =>
    events.some((e) => e.type === type && (status === undefined || e.data.status === status));
  switch (p.point) {
    case "queued":
      return true;
    case "started":
    case "race":
      return has("status_changed", "running");
    case "command":
      return has("command_started");
    case "permission":
      return has("input_required");
    case "model": {
      const marker = `hygiene #${p.index} `;
      const requests = p.backend === "codex" ? sim.responses.requests : sim.messages.requests;
      return requests.some((r) => r.answer === "hang" && r.prompt?.includes(marker));
    }
  }
}

interface PollPage {
  status: string;
  events: PolledEvent[];
  next_after_seq: number;
  has_more: boolean;
}

/** Every event of a run so far. */
async function allEvents(mcp: Connected, runId: string): Promise<{ status: string; events: PolledEvent[] }> {
  const events: PolledEvent[] = [];
  let page: PollPage;
  do {
    page = await mcp.ok<PollPage>("poll_events", {
      run_id: runId,
      after_seq: events.at(-1)?.seq ?? 0,
      limit: 1000,
    });
    events.push(...page.events);
  } while (page.has_more);
  return { status: page.status, events };
}

/** Waits until the run reaches its cancel point; false when it ended first or never got there. */
async function reach(mcp: Connected, runId: string, p: Planned): Promise<boolean> {
  const deadline = Date.now() + REACH_MS;
  for (;;) {
    const { status, events } = await allEvents(mcp, runId);
    if (arrived(p, events)) return true;
    if (TERMINAL.includes(status) || Date.now() > deadline) return false;
    await sleep(100);
  }
}

/** Spawns one planned run, cancels it at its point, and checks what cancel_run left behind. */
async function driveOne(server: Server, p: Planned, violations: string[]): Promise<Outcome> {
  const { mcp, watcher } = server;
  const where = `run #${p.index} (${p.backend}, ${p.point})`;
  const spawned = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: p.backend,
    role: "worker",
    cwd: server.cwd,
    ...scenario(p),
  });
  const runId = spawned.run_id;
  server.runIds.add(runId);
  if (!(await reach(mcp, runId, p))) violations.push(`${where} ${runId} never reached its cancel point`);
  await sleep(p.delayMs);
  // Sample right before the cancel, so the run's processes are on record whatever the timer did.
  watcher.sample();
  const started = Date.now();
  const { status } = await mcp.ok<{ status: string }>("cancel_run", { run_id: runId });
  const cancelMs = Date.now() - started;
  const left = tagged(new Set([runId]));
  if (left.length > 0) {
    violations.push(
      `${where} ${runId}: ${left.length} tagged process(es) alive after cancel_run answered ${status}: ${left.map((i) => `${i.pid} ${i.comm}`).join(", ")}`,
    );
  }
  const allowed = p.point === "race" ? ["cancelled", "completed"] : ["cancelled"];
  if (!allowed.includes(status)) violations.push(`${where} ${runId}: cancel_run answered ${status}`);
  const final = await allEvents(mcp, runId);
  const ends = final.events.filter((e) => TERMINAL_EVENTS.includes(e.type));
  if (ends.length !== 1 || final.events.at(-1) !== ends[0]) {
    violations.push(`${where} ${runId}: terminal events ${final.events.map((e) => e.type).join(",")}`);
  }
  if (p.point === "permission" && existsSync(join(server.cwd, `denied-${p.index}.txt`))) {
    violations.push(`${where} ${runId}: the refused command ran`);
  }
  return {
    planned: p,
    runId,
    status,
    end: ends[0]?.type,
    whileQueued: !final.events.some((e) => e.type === "status_changed" && e.data.status === "running"),
    cancelMs,
  };
}

/** Tallies for the report and the assertions. */
function tally(outcomes: Outcome[]) {
  const cancelled = outcomes.filter((o) => o.end === "run_cancelled");
  const byPoint: Record<string, string> = {};
  for (const [point] of POINT_WEIGHTS) {
    const mine = outcomes.filter((o) => o.planned.point === point);
    byPoint[point] = `${mine.filter((o) => o.end === "run_cancelled").length}/${mine.length} cancelled`;
  }
  const cancelTimes = outcomes.map((o) => o.cancelMs).sort((a, b) => a - b);
  const slowestCancelMs: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `${o.planned.backend}/${o.planned.point}`;
    slowestCancelMs[key] = Math.max(slowestCancelMs[key] ?? 0, o.cancelMs);
  }
  return {
    cancelled: cancelled.length,
    cancelledWhileQueued: cancelled.filter((o) => o.whileQueued).length,
    cancelledMidRun: cancelled.filter((o) => !o.whileQueued).length,
    completedFirst: outcomes.filter((o) => o.end === "run_completed").length,
    failed: outcomes.filter((o) => o.end === "run_failed").length,
    codex: outcomes.filter((o) => o.planned.backend === "codex").length,
    claude: outcomes.filter((o) => o.planned.backend === "claude_code").length,
    byPoint,
    cancelMsMedian: cancelTimes[Math.floor(cancelTimes.length / 2)],
    cancelMsMax: cancelTimes.at(-1),
    slowestCancelMs,
  };
}

test(`${RUNS} real-CLI runs cancelled at random points leave no process behind (seed ${SEED})`, {
  timeout: sized(300_000, 1_200_000),
}, async () => {
  console.log(`hygiene seed ${SEED} (replay with HYGIENE_SEED=${SEED}), ${RUNS} runs`);
  const began = Date.now();
  const server = await startServer(tempDir("orch-hygiene-home-"), CONCURRENCY);
  const violations: string[] = [];
  const outcomes: Outcome[] = [];
  try {
    const queue = plan(SEED, RUNS);
    await Promise.all(
      Array.from({ length: DRIVERS }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
          outcomes.push(await driveOne(server, p, violations));
        }
      }),
    );
    const survivors = server.watcher.survivors().filter((p) => p.pid !== server.watcher.rootPid);
    const seen = server.watcher.all();
    const counts = tally(outcomes);
    console.log(
      JSON.stringify({
        seed: SEED,
        runs: RUNS,
        ...counts,
        processesSeen: seen.length,
        taggedSeen: seen.filter((p) => p.runId !== undefined).length,
        seconds: (Date.now() - began) / 1000,
      }),
    );
    assert.deepEqual(violations, [], `seed ${SEED}: ${violations.length} violation(s)\n${server.stderr()}`);
    assert.deepEqual(describeProcesses(survivors), [], `seed ${SEED}: processes the server started survive`);
    assert.ok(counts.cancelled >= RUNS / 2, `seed ${SEED}: only ${counts.cancelled}/${RUNS} were cancelled`);
    assert.ok(
      counts.cancelledMidRun >= RUNS / 2,
      `seed ${SEED}: only ${counts.cancelledMidRun}/${RUNS} were cancelled mid-run`,
    );
    // The walk must have worked: every run cancelled with its CLI at work had its processes seen by tag.
    const busy = outcomes.filter((o) => ["model", "command", "permission"].includes(o.planned.point));
    const unseen = busy.filter((o) => !seen.some((p) => p.runId === o.runId));
    assert.deepEqual(
      unseen.map((o) => o.runId),
      [],
      "runs whose processes the watcher never saw",
    );
    await server.mcp.close();
    assert.deepEqual(await exitOf(server.child, EXIT_MS), { code: 0, signal: null });
    assert.deepEqual(
      describeProcesses(server.watcher.survivors()),
      [],
      "processes outlive the closed server",
    );
  } finally {
    killLeftovers(server);
  }
});

/**
 * The live runs a server is shut down with: Claude Code waiting for a permission answer (first, so it reaches the
 * question and gives its slot back), each backend waiting on the model and running a command (in the server's
 * slots, one of them the one given back), and one more, still queued.
 */
const LIVE: [Backend, CancelPoint][] = [
  ["claude_code", "permission"],
  ["codex", "model"],
  ["codex", "command"],
  ["claude_code", "model"],
  ["claude_code", "command"],
  ["codex", "queued"],
];
/** Every run but the one waiting for permission (parked, no slot) and the queued one has a slot. */
const LIVE_SLOTS = LIVE.length - 2;

async function shutdownWithLiveRuns(how: "stdin" | "SIGTERM", firstIndex: number): Promise<void> {
  const home = tempDir("orch-hygiene-home-");
  const server = await startServer(home, LIVE_SLOTS);
  let fresh: Server | undefined;
  try {
    const live = LIVE.map(([backend, point], i): Planned => {
      return { index: firstIndex + i, backend, point, delayMs: 0, modelDelayMs: 0 };
    });
    const runIds: string[] = [];
    for (const p of live) {
      const spawned = await server.mcp.ok<{ run_id: string }>("spawn_run", {
        backend: p.backend,
        role: "worker",
        cwd: server.cwd,
        ...scenario(p),
      });
      server.runIds.add(spawned.run_id);
      runIds.push(spawned.run_id);
    }
    const reached = await Promise.all(live.map((p, i) => reach(server.mcp, runIds[i] as string, p)));
    assert.deepEqual(
      reached,
      live.map(() => true),
      "every live run reached its point",
    );
    const waiting = runIds.filter((_, i) => live[i]?.point === "queued");
    for (const runId of waiting) {
      const run = await server.mcp.ok<RunSummary>("get_run", { run_id: runId });
      assert.equal(run.status, "queued", "the run beyond the server's slots waits in the queue");
    }
    server.watcher.sample();
    const working = runIds.filter((id) => !waiting.includes(id));
    const seen = server.watcher.all();
    assert.deepEqual(
      working.filter((id) => !seen.some((p) => p.runId === id)),
      [],
      "every working run has processes",
    );

    const began = Date.now();
    // client.close() is what an MCP host does: close stdin, then SIGTERM after 2 s, then SIGKILL after 2 s more.
    if (how === "stdin") await server.mcp.close();
    else server.child.kill("SIGTERM");
    const exit = await exitOf(server.child, EXIT_MS);
    const exitMs = Date.now() - began;
    const survivors = describeProcesses(server.watcher.survivors());
    await server.mcp.close();

    const next = await startServer(home, 1);
    fresh = next;
    const runs = await Promise.all(
      runIds.map((runId) => next.mcp.ok<RunSummary>("get_run", { run_id: runId })),
    );
    const ended = runs.map((run, i) => {
      const at = run.completed_at ? `+${Date.parse(run.completed_at) - began} ms` : "never";
      return `${live[i]?.backend}/${live[i]?.point} ${at}`;
    });
    console.log(`shutdown by ${how}: server exited after ${exitMs} ms; runs ended: ${ended.join(", ")}`);
    assert.deepEqual(
      { exit, survivors },
      { exit: { code: 0, signal: null }, survivors: [] },
      server.stderr(),
    );
    for (const run of runs) {
      assert.deepEqual(
        [run.status, run.error?.code],
        ["failed", "interrupted"],
        `run ${run.run_id} after ${how}`,
      );
      // The reason proves which way the shutdown began, even when the SDK went on to send SIGTERM.
      assert.match(run.error?.message ?? "", how === "stdin" ? /closed the connection/ : /SIGTERM/);
    }
    await next.mcp.close();
    assert.deepEqual(await exitOf(next.child, EXIT_MS), { code: 0, signal: null });
  } finally {
    killLeftovers(server);
    if (fresh) killLeftovers(fresh);
  }
}

test(
  "a server shut down by closing its stdin (client.close()) ends its live runs and leaves no process",
  {
    timeout: 120_000,
  },
  () => shutdownWithLiveRuns("stdin", 100_000),
);

test(
  "a server shut down by SIGTERM ends its live runs and leaves no process",
  {
    timeout: 120_000,
  },
  () => shutdownWithLiveRuns("SIGTERM", 200_000),
);
