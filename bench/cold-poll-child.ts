/**
 * A fresh process for bench/poll-tail.ts: it opens an engine over an existing home and times its first poll at
 * the tail of a finished run, which must build that log's line index (the index cache is module-level, so the
 * parent, whose writer built it on the way, cannot measure this). A tail poll of another small run comes first,
 * untimed, so the figure holds the index build and not the process's first-call costs (lazy loading, a cold
 * JIT, the catalog's first statement). argv: home run_id warmup_run_id; prints JSON on stdout.
 */
import { benchEngine, msSince, nowNs } from "./lib.js";

const [home = "", runId = "", warmupRunId = ""] = process.argv.slice(2);
const engine = benchEngine(home);
const tail = (id: string) => {
  const last = engine.getRun(id).last_seq;
  return engine.pollEvents({ run_id: id, after_seq: Math.max(0, last - 10), limit: 10 });
};

await tail(warmupRunId);
const start = nowNs();
const first = await tail(runId);
const firstMs = msSince(start);
await engine.shutdown();
if (first.events.length !== 10) throw new Error(`cold poll returned ${first.events.length}`);
process.stdout.write(`${JSON.stringify({ firstMs })}\n`);
