/**
 * `npm run demo` as a user runs it (the built entry, output piped, so the log view): every run reaches its end,
 * the permission is answered, the files are where it says, nothing but the workspace is left behind, and a
 * second run in a row works too.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/temp.js";

const DEMO = fileURLToPath(new URL("../../dist/demo/main.js", import.meta.url));

interface Finished {
  code: number | null;
  output: string;
  ms: number;
}

function runDemo(env: Record<string, string>): Promise<Finished> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

test("the demo runs every run to completed, answers the permission, and runs again", async () => {
  const tmp = tempDir("orch-demo-tmp-");
  const env = { TMPDIR: tmp, ORCHESTRATOR_HOME: tempDir("orch-demo-home-") };
  const workspaces: string[] = [];
  for (const round of [1, 2]) {
    const { code, output, ms } = await runDemo(env);
    assert.equal(code, 0, `round ${round} exited ${code}:\n${output}`);
    assert.ok(ms < 50_000, `round ${round} took ${ms} ms`);
    assert.ok(!output.includes("\u001b["), "no cursor moves or colours when stdout is not a terminal");
    for (const [label, backend] of [
      ["worker", "codex"],
      ["reviewer", "claude_code"],
      ["remote", "remote_a2a"],
    ]) {
      assert.match(
        output,
        new RegExp(`✔ ${label} +${backend} run run_\\S+: completed`),
        `${label}:\n${output}`,
      );
    }
    assert.match(output, /reviewer +asks permission: Bash touch REVIEWED\.md → continue_run "allow"/);
    assert.match(output, /answered permission: Bash touch REVIEWED\.md → allow \(continue_run\)/);
    assert.match(output, /worker +#\d+ command_finished: .*node hello\.js demo.* → exit 0: Hello, demo!/);
    assert.match(output, /worker +#\d+ file_changed: add .*CHANGES\.md/);
    assert.match(output, /Network: no request left 127\.0\.0\.1\./);
    assert.match(output, /npx orchestration-mcp runs list --cwd /);
    assert.match(output, /npx orchestration-mcp dashboard/);
    assert.match(output, /Demo finished: all 3 runs completed\./);

    const workspace = /^ {2}workspace {2}(\S+)/m.exec(output)?.[1];
    assert.ok(workspace, "the report names the workspace");
    for (const file of ["CHANGES.md", "REVIEWED.md", ".nanobot-orchestrator"])
      assert.ok(existsSync(join(workspace, file)), `${file} in ${workspace}`);
    assert.equal(readdirSync(join(workspace, ".nanobot-orchestrator", "runs")).length, 3);
    workspaces.push(workspace);
  }
  assert.notEqual(workspaces[0], workspaces[1], "each run gets a workspace of its own");
  const left = readdirSync(tmp).filter((name) => name.startsWith("orchestration-mcp-"));
  assert.deepEqual(
    left.sort(),
    workspaces.map((w) => w.slice(tmp.length + 1)).sort(),
    "the provider's homes are removed, the workspaces kept",
  );
});
