/** A second server process, as far as the catalog sees it: waits for "go" on stdin, then writes runs and roots. */

import type { RunRecord } from "../../src/core/run.js";
import { Catalog } from "../../src/store/catalog.js";

const [home = "", prefix = "w", countText = "0"] = process.argv.slice(2);
const count = Number(countText);

function record(i: number): RunRecord {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
  return {
    run_id: `${prefix}_${String(i).padStart(4, "0")}`,
    session_id: `${prefix}_session`,
    backend: "codex",
    role: "worker",
    status: "running",
    cwd: `/tmp/${prefix}`,
    created_at: at,
    updated_at: at,
    last_seq: i,
    host: { pid: process.pid, start_time: at },
    spec: {},
  };
}

process.stdin.once("data", () => {
  // Open only after "go", so both processes also race to create the schema of a new home.
  const catalog = Catalog.open(home);
  for (let i = 0; i < count; i++) {
    catalog.upsert(record(i));
    if (i % 25 === 0) catalog.addRoot(`/tmp/${prefix}/root-${i}`);
  }
  catalog.close();
  process.stdin.destroy();
});
process.stdout.write("ready\n");
