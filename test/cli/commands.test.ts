/** The command line's own surface: help, version, unknown commands, reindex, doctor, dashboard, a2a-agent. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { VERSION } from "../../src/version.js";
import { cli } from "../helpers/cli.js";
import { makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

const env = () => ({ ORCHESTRATOR_HOME: tempDir("orch-cli-home-") });

test("--help lists every command; each command has its own --help; --version prints the version", async () => {
  const help = await cli(["--help"], env());
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: orchestration-mcp \[options\] \[command\]/);
  assert.match(help.stdout, /With no command, serves MCP over\s+stdio/);
  assert.match(help.stdout, /^Examples:\n {2}orchestration-mcp runs list/m);
  for (const command of ["runs", "artifact", "reindex", "doctor", "a2a-agent", "demo", "dashboard"]) {
    assert.match(help.stdout, new RegExp(`^ {2}${command}\\b`, "m"), command);
  }
  const runs = await cli(["runs", "--help"], env());
  for (const command of ["list", "show", "tail", "cancel", "continue"]) {
    assert.match(runs.stdout, new RegExp(`^ {2}${command}\\b`, "m"), command);
  }
  const tail = await cli(["runs", "help", "tail"], env());
  assert.equal(tail.code, 0);
  assert.match(tail.stdout, /--from-start/);
  assert.match(tail.stdout, /Exit codes: 0 completed, 1 failed, 2 cancelled, 3 waits for input/);
  const artifact = await cli(["artifact", "get", "--help"], env());
  assert.match(
    artifact.stdout,
    /^Usage: orchestration-mcp artifact get \[options\] <run-id> <seq> <field-path>/,
  );
  for (const flag of ["--version", "-v"]) {
    const version = await cli([flag], env());
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `${VERSION}\n`);
  }
});

test("an unknown command or option exits non-zero with a helpful message", async () => {
  const unknown = await cli(["fly"], env());
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stdout, "");
  assert.equal(
    unknown.stderr,
    "error: unknown command 'fly'\n(orchestration-mcp --help lists the commands)\n",
  );
  const typo = await cli(["runs", "lsit"], env());
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /error: unknown command 'lsit'\n\(Did you mean list\?\)/);
  const option = await cli(["runs", "list", "--colour"], env());
  assert.equal(option.code, 1);
  assert.match(option.stderr, /error: unknown option '--colour'/);
});

test("reindex rebuilds the catalog, adding the directories given", async () => {
  const f = makeEngine({}, tempDir("orch-cli-home-"), "scripted");
  for (let i = 0; i < 3; i++) await waitForStatus(f.engine, spawnScript(f, []).run_id, ["completed"]);
  await f.engine.shutdown();
  const fresh = env();
  assert.equal(JSON.parse((await cli(["runs", "list", "--json"], fresh)).stdout).runs.length, 0);
  const rebuilt = await cli(["reindex", f.cwd], fresh);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.equal(rebuilt.stdout, "catalog rebuilt: 3 runs indexed\n");
  assert.equal(JSON.parse((await cli(["runs", "list", "--json"], fresh)).stdout).runs.length, 3);
  // Known now: a plain reindex finds them again.
  assert.deepEqual(JSON.parse((await cli(["reindex", "--json"], fresh)).stdout), { runs: 3, skipped: [] });
  const missing = await cli(["reindex", "/no/such/dir"], fresh);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: invalid_input: cwd: no such directory: \/no\/such\/dir/);
});

test("doctor --json reports each check; a broken home fails it (exit 1)", async () => {
  const good = await cli(["doctor", "--json"], env());
  const report = JSON.parse(good.stdout);
  assert.equal(typeof report.ok, "boolean");
  assert.equal(report.version, VERSION);
  assert.deepEqual(
    report.checks.map((c: { name: string }) => c.name),
    [
      "Node.js",
      "settings",
      "home",
      "catalog",
      "codex binary",
      "claude binary",
      "codex credentials",
      "claude credentials",
    ],
  );
  for (const check of report.checks) {
    assert.ok(["ok", "warn", "fail", "skip"].includes(check.status), JSON.stringify(check));
    assert.equal(typeof check.detail, "string");
  }
  const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
  // The SDK packages bring both binaries: they are found and answer --version.
  assert.equal(byName["codex binary"].status, "ok");
  assert.match(byName["codex binary"].detail, /^codex-cli \d+\.\d+/);
  assert.equal(byName["claude binary"].status, "ok");
  assert.match(byName["claude binary"].detail, /Claude Code/);
  assert.equal(byName.catalog.status, "ok");
  assert.equal(good.code, report.ok ? 0 : 1);

  const keyed = JSON.parse(
    (await cli(["doctor", "--json"], { ...env(), OPENAI_API_KEY: "sk-test", ANTHROPIC_API_KEY: "sk-ant" }))
      .stdout,
  );
  assert.equal(keyed.ok, true);
  assert.ok(keyed.checks.every((c: { status: string }) => c.status === "ok"));

  const file = join(tempDir("orch-cli-"), "not-a-dir");
  writeFileSync(file, "");
  const broken = await cli(["doctor"], {
    ORCHESTRATOR_HOME: file,
    OPENAI_API_KEY: "k",
    ANTHROPIC_API_KEY: "k",
  });
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, new RegExp(`^✗ +home +${file} is not writable`, "m"));
  assert.match(
    broken.stdout,
    /^ {4}fix: make it a directory you can write, or set ORCHESTRATOR_HOME to one$/m,
  );
  assert.match(broken.stdout, /^- +catalog +not checked/m);
  assert.match(broken.stdout, /^1 essential check failed$/m);
});

test("doctor says how to give credentials when none are found, without failing", async () => {
  const bare = tempDir("orch-cli-bare-home-");
  const { code, stdout } = await cli(["doctor"], { ...env(), HOME: bare });
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^! +codex credentials +no OPENAI_API_KEY/m);
  assert.match(stdout, /^ {4}fix: set OPENAI_API_KEY, or sign in once: .*codex login/m);
  assert.match(stdout, /^! +claude credentials +no ANTHROPIC_API_KEY/m);
  assert.match(stdout, /^everything essential works \(2 warnings\)$/m);
});

test("dashboard refuses a bad port with a clear message", async () => {
  const { code, stderr } = await cli(["dashboard", "--port", "99999"], env());
  assert.notEqual(code, 0);
  assert.match(stderr, /--port.*expected a port number 0\.\.65535/);
});

test("a2a-agent hands its flags to the agent launcher", async () => {
  const help = await cli(["a2a-agent", "--help"], env());
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: orchestration-mcp a2a-agent \[--backend codex\|claude_code\]/);
  const bad = await cli(["a2a-agent", "--backend", "remote_a2a"], env());
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^orchestration-mcp a2a-agent: --backend: expected one of codex, claude_code/);
});
