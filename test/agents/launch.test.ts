/** The launcher as a user starts it: flags in, agent_url, card and a spawn_run payload out, a clean stop. */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { tempDir } from "../helpers/temp.js";

const LAUNCH = ["--import", "tsx", "src/agents/launch.ts"];

/** The launcher with only the flags given (no token from this environment). */
function launch(args: string[]): ChildProcess {
  return spawn(process.execPath, [...LAUNCH, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ORCHESTRATION_A2A_TOKEN: "" },
  });
}

/** Everything printed up to the ready line. */
async function banner(child: ChildProcess): Promise<string> {
  let out = "";
  for await (const chunk of child.stdout ?? []) {
    out += String(chunk);
    if (out.includes("Stop with Ctrl-C.")) return out;
  }
  throw new Error(`the launcher ended before it was ready:\n${out}`);
}

test("flags start an agent; it prints agent_url, card and spawn_run payload, and stops on SIGTERM", async () => {
  const root = tempDir("orch-a2a-launch-");
  const child = launch(["--backend", "codex", "--root", root, "--token", "tok-1"]);
  try {
    const out = await banner(child);
    const url = /^agent_url: (\S+)$/m.exec(out)?.[1] ?? "";
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(/^card_url:\s+(\S+)$/m.exec(out)?.[1], `${url}/.well-known/agent-card.json`);
    const json = out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1);
    assert.deepEqual(JSON.parse(json), {
      backend: "remote_a2a",
      role: "worker",
      cwd: root,
      prompt: "Describe this repository in three sentences.",
      backend_config: { agent_url: url, token_env: "ORCHESTRATION_A2A_TOKEN", remote_cwd: root },
    });
    const card = (await (await fetch(`${url}/.well-known/agent-card.json`)).json()) as { name: string };
    assert.equal(card.name, "orchestration-mcp codex agent");
    const refused = await fetch(`${url}/a2a/jsonrpc`, { method: "POST", body: "{}" });
    assert.equal(refused.status, 401);
  } finally {
    child.kill("SIGTERM");
  }
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
});

test("without --backend and without a terminal, or with a backend it cannot wrap, it explains and exits 2", async () => {
  for (const args of [[], ["--backend", "remote_a2a"], ["--port", "x", "--backend", "codex"]]) {
    const child = launch(args);
    let err = "";
    child.stderr?.on("data", (chunk) => {
      err += String(chunk);
    });
    const [code] = await once(child, "exit");
    assert.equal(code, 2, args.join(" "));
    assert.match(err, /usage: start:a2a-agent/);
  }
});

test("without --token the banner prints a generated token, and the agent requires it", async () => {
  const child = launch(["--backend", "codex"]);
  try {
    const out = await banner(child);
    const url = /^agent_url: (\S+)$/m.exec(out)?.[1] ?? "";
    const token = /^token:\s+(\S+) \(generated; give the orchestrator ORCHESTRATION_A2A_TOKEN=(\S+)\)$/m.exec(
      out,
    );
    assert.ok(token, out);
    assert.equal(token[1], token[2]);
    assert.match(out, /^callers:\s+sandbox_mode up to workspace-write$/m);
    const post = (authorization?: string) =>
      fetch(`${url}/a2a/jsonrpc`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: "{}",
      });
    assert.equal((await post()).status, 401);
    assert.notEqual((await post(`Bearer ${token[1]}`)).status, 401);
  } finally {
    child.kill("SIGTERM");
  }
  await once(child, "exit");
});

test("--host other than loopback without a token, or a bad policy flag, is refused before it listens", async () => {
  const cases: [string[], number, RegExp][] = [
    [
      ["--backend", "codex", "--host", "0.0.0.0"],
      1,
      /binding 0\.0\.0\.0 \(not a loopback address\) needs a token/,
    ],
    [["--backend", "codex", "--max-sandbox", "everything"], 2, /--max-sandbox: expected one of read-only/],
    [["--backend", "codex", "--finished-task-ttl", "soon"], 2, /--finished-task-ttl: expected a duration/],
  ];
  for (const [args, expected, reason] of cases) {
    const child = launch(args);
    let err = "";
    child.stderr?.on("data", (chunk) => {
      err += String(chunk);
    });
    const [code] = await once(child, "exit");
    assert.equal(code, expected, args.join(" "));
    assert.match(err, reason);
  }
});
