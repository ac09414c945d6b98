import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { assertNestingAllowed, childEnv } from "../../src/backends/child-env.js";
import { endRunProcesses, taggedProcesses } from "../../src/backends/process-tree.js";

test("an agent's environment: the server's own, without nesting breakers, tagged with the run and depth", () => {
  const env = childEnv("run_1", {
    PATH: "/bin",
    CLAUDECODE: "1",
    CLAUDE_CODE_ENTRYPOINT: "cli",
    ANTHROPIC_API_KEY: "k",
  });
  assert.deepEqual(env, {
    PATH: "/bin",
    ANTHROPIC_API_KEY: "k",
    ORCHESTRATION_MCP_RUN: "run_1",
    ORCHESTRATION_MCP_DEPTH: "1",
  });
  assert.equal(childEnv("run_2", env).ORCHESTRATION_MCP_DEPTH, "2");
  assert.doesNotThrow(() => assertNestingAllowed({ ORCHESTRATION_MCP_DEPTH: "2" }));
  assert.throws(() => assertNestingAllowed({ ORCHESTRATION_MCP_DEPTH: "3" }), /refusing to nest deeper/);
});

test("an agent's environment lacks this server's own secrets, and keeps the agent CLIs' credentials", () => {
  const env = childEnv("run_1", {
    PATH: "/bin",
    ORCHESTRATION_A2A_TOKEN: "a2a-secret",
    ORCHESTRATOR_DASHBOARD_TOKEN: "dash-secret",
    OPENAI_API_KEY: "sk-openai",
    OPENAI_BASE_URL: "http://127.0.0.1:1/v1",
    ANTHROPIC_AUTH_TOKEN: "ant",
    CODEX_HOME: "/tmp/codex",
  });
  assert.equal(env.ORCHESTRATION_A2A_TOKEN, undefined);
  assert.equal(env.ORCHESTRATOR_DASHBOARD_TOKEN, undefined);
  assert.ok(!JSON.stringify(env).includes("-secret"), "no value of a withheld variable under another name");
  assert.equal(env.OPENAI_API_KEY, "sk-openai");
  assert.equal(env.OPENAI_BASE_URL, "http://127.0.0.1:1/v1");
  assert.equal(env.ANTHROPIC_AUTH_TOKEN, "ant");
  assert.equal(env.CODEX_HOME, "/tmp/codex");
});

test("a process an agent starts does not see the server's A2A token", async () => {
  const child = spawn("sh", ["-c", "env"], {
    env: childEnv("run_env", { PATH: process.env.PATH, ORCHESTRATION_A2A_TOKEN: "a2a-secret" }),
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  await once(child, "close");
  assert.match(out, /^ORCHESTRATION_MCP_RUN=run_env$/m);
  assert.doesNotMatch(out, /ORCHESTRATION_A2A_TOKEN|a2a-secret/);
});

test("every process tagged with a run is found and ended, detached grandchildren included", async () => {
  const runId = `run_tree_${process.pid}`;
  const parent = spawn("sh", ["-c", "setsid sleep 300 & sleep 300 & wait"], {
    env: childEnv(runId),
    stdio: "ignore",
    detached: true,
  });
  for (let i = 0; i < 50 && taggedProcesses(runId).length < 3; i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(taggedProcesses(runId).length, 3, "sh and its two sleeps");
  const exited = once(parent, "exit");
  await endRunProcesses(runId, 500);
  assert.deepEqual(taggedProcesses(runId), []);
  await exited;
});
