/**
 * list_runs over a big catalog: the first page, a page in the middle reached by cursor, and pages filtered by
 * status and cwd, for 50,000 runs against 100. A page should cost what it returns, not the size of the catalog.
 */
import type { RunRecord, RunStatus } from "../src/core/run.js";
import type { Engine } from "../src/engine/engine.js";
import { currentHost } from "../src/engine/host-process.js";
import type { ListRequest } from "../src/engine/requests.js";
import { Catalog } from "../src/store/catalog.js";
import {
  type Bench,
  benchEngine,
  duration,
  msSince,
  nowNs,
  num,
  percentile,
  type Row,
  ratio,
  Scratch,
  sample,
} from "./lib.js";

const CWDS = 4;
/** Statuses in proportion to how often a busy catalog holds them. */
const STATUS_MIX: [RunStatus, number][] = [
  ["completed", 70],
  ["failed", 10],
  ["cancelled", 5],
  ["running", 5],
  ["queued", 3],
  ["input_required", 5],
  ["auth_required", 2],
];
const BACKENDS = ["codex", "claude_code", "remote_a2a"];
const ROLES = ["worker", "reviewer", "planner", "tester"];
const RUNS_PER_SESSION = 3;
const START = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;
const FILLER = "Refactored the event-log reader to page by byte offset; tests pass. ".repeat(4);

/** A pseudo-random but repeatable pick, so both catalog sizes hold the same mix. */
const pick = <T>(items: readonly T[], i: number, salt: number): T =>
  items[((Math.imul(i + 1, 2_654_435_761) ^ salt) >>> 0) % items.length] as T;

function statusOf(i: number): RunStatus {
  const total = STATUS_MIX.reduce((sum, [, weight]) => sum + weight, 0);
  let at = (Math.imul(i + 7, 40_503) >>> 0) % total;
  for (const [status, weight] of STATUS_MIX) {
    if (at < weight) return status;
    at -= weight;
  }
  return "completed";
}

function record(i: number, count: number, cwds: string[]): RunRecord {
  const created = new Date(START + Math.floor((i / count) * 30 * DAY_MS));
  const updated = new Date(created.getTime() + 90_000);
  const cwd = pick(cwds, Math.floor(i / RUNS_PER_SESSION), 5);
  // The first cwd has no auth_required run, so one query matches nothing: the worst case of a filter.
  const drawn = statusOf(i);
  const status = drawn === "auth_required" && cwd === cwds[0] ? "input_required" : drawn;
  const id = i.toString(36).padStart(6, "0");
  const session = Math.floor(i / RUNS_PER_SESSION)
    .toString(36)
    .padStart(6, "0");
  const base: RunRecord = {
    run_id: `run_${created.getTime().toString(36)}${id}`,
    session_id: `ses_${session}a1b2c3`,
    backend: pick(BACKENDS, i, 17),
    role: pick(ROLES, i, 91),
    status,
    cwd,
    created_at: created.toISOString(),
    updated_at: updated.toISOString(),
    last_seq: 40 + (i % 400),
    summary: FILLER.slice(0, 200),
    metadata: { ticket: `ORCH-${1000 + (i % 900)}`, attempt: 1 + (i % 3) },
    // Hosted by this live process, as a server's own runs are: a dead host's runs would be recovered.
    host: currentHost(),
    spec: {
      backend_config: { model: "gpt-5-codex", sandbox: "workspace-write", reasoning_effort: "medium" },
    },
    ...(i % RUNS_PER_SESSION > 0 ? { previous_run_id: `run_prev${id}` } : {}),
  };
  switch (status) {
    case "completed":
      return {
        ...base,
        completed_at: updated.toISOString(),
        result: {
          final_response: FILLER,
          usage: { input_tokens: 15_230 + i, cached_input_tokens: 9_000, output_tokens: 2_210, turns: 7 },
        },
      };
    case "failed":
      return {
        ...base,
        completed_at: updated.toISOString(),
        error: { code: "backend_error", message: "codex exited with code 1: model overloaded" },
      };
    case "cancelled":
      return { ...base, completed_at: updated.toISOString() };
    case "input_required":
    case "auth_required":
      return { ...base, pending_input: { kind: "question", text: "Shall I also update the migration?" } };
    default:
      return base;
  }
}

interface Query {
  name: string;
  request: ListRequest;
  /** Share of the timed iterations this query gets (a slow one gets fewer). */
  share: number;
}

/** The queries, resolved against one catalog (the deep cursor is walked to through the API). */
function queries(engine: Engine, count: number, cwd: string): Query[] {
  let cursor: string | undefined;
  for (let seen = 0; seen < count / 2; seen += 50) {
    cursor = engine.listRuns({ limit: 50, cursor }).next_cursor;
  }
  return [
    { name: "first page", request: { limit: 50 }, share: 1 },
    { name: "page at the middle, by cursor", request: { limit: 50, cursor }, share: 1 },
    { name: "status=completed, cwd", request: { limit: 50, status: "completed", cwd }, share: 1 },
    { name: "status=input_required, cwd", request: { limit: 50, status: "input_required", cwd }, share: 1 },
    {
      name: "status=auth_required, cwd (no match)",
      request: { limit: 50, status: "auth_required", cwd },
      share: 0.1,
    },
  ];
}

interface Measured {
  name: string;
  rows: number;
  iterations: number;
  samples: number[];
}

async function measure(
  count: number,
  iterations: number,
): Promise<{ results: Measured[]; insertMs: number }> {
  const scratch = new Scratch();
  try {
    const home = scratch.dir("list-home");
    const cwds = Array.from({ length: CWDS }, (_, i) => scratch.dir(`list-cwd${i}`));
    const engine = benchEngine(home);
    // A second connection, as another process would write: the engine's own catalog sees the commit.
    const writer = Catalog.open(home);
    const records = Array.from({ length: count }, (_, i) => record(i, count, cwds));
    const start = nowNs();
    writer.merge(records, () => true);
    const insertMs = msSince(start);
    writer.close();
    const results: Measured[] = [];
    for (const query of queries(engine, count, cwds[0] as string)) {
      const rows = engine.listRuns(query.request).runs.length;
      const runs = Math.round(iterations * query.share);
      const samples = await sample(runs, 10, () => engine.listRuns(query.request));
      results.push({ name: query.name, rows, iterations: runs, samples });
    }
    await engine.shutdown();
    return { results, insertMs };
  } finally {
    scratch.cleanup();
  }
}

export const listRuns: Bench = async ({ quick }) => {
  const bigCount = quick ? 5_000 : 50_000;
  const iterations = quick ? 200 : 1_000;
  const small = await measure(100, iterations);
  const big = await measure(bigCount, iterations);
  const rows: Row[] = [];
  const returned: string[] = [];
  big.results.forEach((b, q) => {
    const s = small.results[q] as Measured;
    returned.push(`${b.name}: ${b.rows} vs ${s.rows} (${num(b.iterations)} calls)`);
    for (const p of [50, 99]) {
      const figure = percentile(b.samples, p);
      const baseline = percentile(s.samples, p);
      rows.push({
        name: `${b.name} p${p}`,
        figure: duration(figure),
        baseline: duration(baseline),
        ratio: ratio(figure, baseline),
      });
    }
  });
  return {
    title: "list_runs",
    notes: [
      `Figure: engine.listRuns({limit: 50, ...}) over a catalog of ${num(bigCount)} runs; baseline: the same ` +
        "over 100 runs. Runs are synthetic RunRecords (summary, result with usage, metadata, backend_config, " +
        `errors, pending input) spread over ${CWDS} cwds, 7 statuses (70% completed, 5% input_required), ` +
        `3 backends, 4 roles and sessions of ${RUNS_PER_SESSION} runs, inserted with Catalog.merge ` +
        `(${duration(big.insertMs)} for ${num(bigCount)}).`,
      "Each query runs after 10 untimed calls; the middle page's cursor is reached by walking " +
        "next_cursor. The cwd filter goes through realpath, as callers' cwds do. The first cwd holds no " +
        "auth_required run, so the last query matches nothing.",
      `Runs returned, figure vs baseline (timed calls): ${returned.join("; ")}.`,
    ],
    rows,
  };
};
