import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

async function homeWithRuns(count: number) {
  const f = makeEngine();
  for (let i = 0; i < count; i++) await waitForStatus(f.engine, spawnScript(f, []).run_id, ["completed"]);
  await f.engine.shutdown();
  return f;
}

test("a missing or corrupt catalog is rebuilt from the run files when the server starts", async () => {
  const f = await homeWithRuns(3);
  rmSync(join(f.home, "catalog.db"), { force: true });
  rmSync(join(f.home, "catalog.db-wal"), { force: true });
  rmSync(join(f.home, "catalog.db-shm"), { force: true });
  const again = makeEngine({}, f.home);
  assert.equal(again.engine.listRuns({}).runs.length, 3);
  await again.engine.shutdown();

  writeFileSync(join(f.home, "catalog.db"), "this is not a database".repeat(100));
  const third = makeEngine({}, f.home);
  assert.equal(third.engine.listRuns({}).runs.length, 3);
  await third.engine.shutdown();
});

test("`orchestration-mcp reindex CWD` rebuilds the catalog, also for a cwd it did not know", async () => {
  const f = await homeWithRuns(2);
  rmSync(f.home, { recursive: true, force: true });
  const out = execFileSync(process.execPath, [DIST, "reindex", f.cwd], {
    env: { ...process.env, ORCHESTRATOR_HOME: f.home },
    encoding: "utf8",
  });
  assert.match(out, /catalog rebuilt: 2 runs indexed/);
  const again = makeEngine({}, f.home);
  assert.equal(again.engine.listRuns({ cwd: f.cwd }).runs.length, 2);
  await again.engine.shutdown();
});
