/** The built server (dist/index.js) over stdio, driven by the MCP SDK's own client. */
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { allEvents, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { type Connected, connect, errorText } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Every file under `root`, as paths relative to it. */
function files(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

const home = tempDir("orch-e2e-home-");
const stdout = `${"output line ünïcødé 🚀\n".repeat(5_000)}`;
let cwd = "";
let completedRun = { run_id: "", session_id: "" };
let mcp: Connected;

before(async () => {
  // Runs made by an engine in this process (scripted backend) are served by the real server from the same home.
  // Named "scripted", a backend the real server does not run: continuing these runs there must be refused.
  const f = makeEngine({}, home, "scripted");
  cwd = f.cwd;
  completedRun = spawnScript(f, [
    { emit: { type: "command_finished", data: { command: "cat big.log", exit_code: 0, stdout } } },
    { emit: { type: "run_completed", data: { final_response: "all done" } } },
  ]);
  await waitForStatus(f.engine, completedRun.run_id, ["completed"]);
  for (let i = 0; i < 3; i++) await waitForStatus(f.engine, spawnScript(f, []).run_id, ["completed"]);
  await f.engine.shutdown();
  mcp = await connect([DIST], { ORCHESTRATOR_HOME: home });
});

after(async () => {
  await mcp?.close();
});

test("the server lists seven tools with output schemas, read-only hints and descriptions", async () => {
  const { tools } = await mcp.client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [
    "cancel_run",
    "continue_run",
    "get_event_artifact",
    "get_run",
    "list_runs",
    "poll_events",
    "spawn_run",
  ]);
  for (const tool of tools) {
    assert.ok(tool.outputSchema, `${tool.name} has an output schema`);
    assert.ok((tool.description ?? "").length > 80, `${tool.name} has a description`);
    const readOnly = ["get_run", "poll_events", "list_runs", "get_event_artifact"].includes(tool.name);
    assert.equal(tool.annotations?.readOnlyHint, readOnly, tool.name);
  }
});

test("get_run, poll_events, list_runs and get_event_artifact serve stored runs", async () => {
  const run = await mcp.ok<{ status: string; result: { final_response: string }; last_seq: number }>(
    "get_run",
    {
      run_id: completedRun.run_id,
    },
  );
  assert.equal(run.status, "completed");
  assert.equal(run.result.final_response, "all done");

  const raw = await mcp.call("poll_events", { run_id: completedRun.run_id, after_seq: 0, limit: 2 });
  assert.deepEqual(JSON.parse(errorText(raw)), raw.structuredContent, "text content is the same JSON");
  const polled = raw.structuredContent as {
    events: { seq: number }[];
    next_after_seq: number;
    has_more: boolean;
  };
  assert.deepEqual(
    polled.events.map((e) => e.seq),
    [1, 2],
  );
  assert.equal(polled.has_more, true);

  const all = await mcp.ok<{ events: { seq: number; type: string; data: Record<string, unknown> }[] }>(
    "poll_events",
    {
      run_id: completedRun.run_id,
      after_seq: null,
      limit: null,
      wait_ms: null,
    },
  );
  const finished = all.events.find((e) => e.type === "command_finished");
  assert.ok(finished);
  const refs = finished.data.artifact_refs as { field_path: string; total_bytes: number }[];
  assert.deepEqual(
    refs.map((r) => r.field_path),
    ["/stdout"],
  );
  let offset = 0;
  let text = "";
  for (let pages = 0; ; pages++) {
    const page = await mcp.ok<{ content: string; next_offset: number; has_more: boolean }>(
      "get_event_artifact",
      {
        run_id: completedRun.run_id,
        seq: finished.seq,
        field_path: "/stdout",
        offset,
        limit: 50_001,
      },
    );
    text += page.content;
    offset = page.next_offset;
    if (!page.has_more) break;
    assert.ok(pages < 100);
  }
  assert.equal(text, stdout);

  const listed = await mcp.ok<{ runs: { run_id: string }[]; next_cursor?: string }>("list_runs", {
    cwd,
    limit: 3,
  });
  assert.equal(listed.runs.length, 3);
  assert.ok(listed.next_cursor);
  const rest = await mcp.ok<{ runs: { run_id: string }[]; next_cursor?: string }>("list_runs", {
    cwd,
    limit: 3,
    cursor: listed.next_cursor,
  });
  assert.deepEqual(
    rest.runs.map((r) => r.run_id),
    [completedRun.run_id],
    "newest first: the first run made is the last listed",
  );
  assert.equal(rest.next_cursor, undefined);

  const cancelled = await mcp.ok("cancel_run", { run_id: completedRun.run_id });
  assert.deepEqual(cancelled, { run_id: completedRun.run_id, status: "completed" });
});

test("malformed calls each get a clear isError, the server stays up and writes nothing outside the store", async () => {
  const before = { cwd: files(cwd), home: files(home) };
  const r = completedRun.run_id;
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["spawn_run", {}, /backend/],
    [
      "spawn_run",
      { backend: "remote_a2a", role: "w", cwd, prompt: "x" },
      /backend_config\.agent_url: required for remote_a2a/,
    ],
    ["spawn_run", { backend: "gpt", role: "w", cwd, prompt: "x" }, /backend/],
    ["spawn_run", { backend: 7, role: "w", cwd, prompt: "x" }, /backend/],
    ["spawn_run", { backend: "codex", cwd, prompt: "x" }, /role/],
    ["spawn_run", { backend: "codex", role: "w", prompt: "x" }, /cwd/],
    ["spawn_run", { backend: "codex", role: "w", cwd: 42, prompt: "x" }, /cwd/],
    ["spawn_run", { backend: "codex", role: "w", cwd, prompt: ["x"] }, /prompt/],
    ["spawn_run", { backend: "codex", role: "w", cwd, prompt: "x", session_mode: "fork" }, /session_mode/],
    ["spawn_run", { backend: "codex", role: "w", cwd, prompt: "x", input_message: { parts: "hi" } }, /parts/],
    [
      "spawn_run",
      { backend: "codex", role: "w", cwd, prompt: "x", output_schema: "strict" },
      /output_schema/,
    ],
    ["spawn_run", { backend: "codex", role: "w", cwd, prompt: "x", metadata: [1, 2] }, /metadata/],
    ["spawn_run", { backend: "codex", role: "w", cwd, prompt: "x", backend_config: 3 }, /backend_config/],
    ["get_run", {}, /run_id/],
    ["get_run", { run_id: null }, /run_id/],
    ["get_run", { run_id: "../../etc/passwd" }, /run_id: expected an id matching/],
    ["get_run", { run_id: "run_does_not_exist" }, /run_id: no run run_does_not_exist/],
    ["get_run", { run_id: "x".repeat(129) }, /run_id: expected an id/],
    ["get_run", { run_id: "ok\u0000id" }, /run_id: expected an id/],
    ["poll_events", { run_id: r, after_seq: -5 }, /after_seq: expected an integer >= 0/],
    ["poll_events", { run_id: r, after_seq: "ten" }, /after_seq/],
    ["poll_events", { run_id: r, limit: 1.5 }, /limit/],
    ["poll_events", { run_id: r, wait_ms: -1 }, /wait_ms: expected an integer >= 0/],
    ["poll_events", { run_id: "a/b" }, /run_id: expected an id/],
    ["cancel_run", { run_id: "..\\..\\x" }, /run_id: expected an id/],
    ["continue_run", { run_id: r }, /input_message: give input_message or prompt/],
    [
      "continue_run",
      { run_id: r, prompt: "again" },
      /backend: expected one of the backends this server runs/,
    ],
    ["continue_run", { run_id: "nope/../x", prompt: "go" }, /run_id: expected an id/],
    ["list_runs", { status: "done" }, /status/],
    ["list_runs", { cursor: "not-a-cursor" }, /cursor/],
    ["list_runs", { limit: "all" }, /limit/],
    ["list_runs", { cwd: "relative/path" }, /cwd: expected an absolute path/],
    ["list_runs", { session_id: "../s" }, /session_id: expected an id/],
    ["get_event_artifact", { run_id: r, seq: 1, field_path: "/stdout" }, /has no artifacts/],
    ["get_event_artifact", { run_id: r, seq: 3, field_path: "/nope" }, /\/nope/],
    [
      "get_event_artifact",
      { run_id: r, seq: 3, field_path: "stdout" },
      /field_path: expected a JSON Pointer/,
    ],
    ["get_event_artifact", { run_id: r, seq: 3, field_path: "/stdout", offset: 10 ** 12 }, /offset/],
    [
      "get_event_artifact",
      { run_id: r, seq: 3, field_path: "/stdout", limit: 2 },
      /limit: expected at least 4/,
    ],
    ["get_event_artifact", { run_id: r, seq: 0, field_path: "/stdout" }, /seq/],
    ["no_such_tool", {}, /no_such_tool/],
  ];
  for (const [tool, args, pattern] of cases) {
    const result = await mcp.call(tool, args);
    assert.equal(result.isError, true, `${tool} ${JSON.stringify(args).slice(0, 60)} should fail`);
    assert.match(errorText(result), pattern, `${tool} ${JSON.stringify(args).slice(0, 60)}`);
  }
  assert.ok(cases.length >= 30);
  const listed = await mcp.ok<{ runs: unknown[] }>("list_runs", {});
  assert.equal(listed.runs.length, 4, "still serving, and no half-made run");
  assert.deepEqual({ cwd: files(cwd), home: files(home) }, before, "no file created or removed");
});

test("the server exits when the client closes stdin", async () => {
  const second = await connect([DIST], { ORCHESTRATOR_HOME: home });
  const pid = second.transport.pid;
  assert.ok(pid);
  await second.close();
  await new Promise((r) => setTimeout(r, 500));
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test("events written by the engine are intact as the server reads them", async () => {
  const f = makeEngine({}, home, "scripted");
  const events = await allEvents(f.engine, completedRun.run_id);
  for (const [i, event] of events.entries()) assert.equal(event.seq, i + 1);
  await f.engine.shutdown();
});
