/**
 * The typical flow over stdio with the MCP SDK's client: spawn → poll (long-poll with progress) → answer
 * input → get_run → follow-up in the same session → cancel → shutdown. The server runs from source with the
 * scripted backend standing in for an agent (the real backends have their own tests).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { makeEngine } from "../helpers/engine-fixture.js";
import { connect } from "../helpers/mcp-client.js";
import { tempDir } from "../helpers/temp.js";

const SERVER = fileURLToPath(new URL("../helpers/scripted-server.ts", import.meta.url));

interface Poll {
  status: string;
  events: { seq: number; type: string; data: Record<string, unknown> }[];
  next_after_seq: number;
}

test("spawn, long-poll, answer, follow up, cancel and shut down over stdio", async () => {
  const home = tempDir("orch-flow-home-");
  const cwd = tempDir("orch-flow-cwd-");
  const mcp = await connect(["--import", "tsx", SERVER], {
    ORCHESTRATOR_HOME: home,
    ORCHESTRATOR_PROGRESS_INTERVAL_MS: "100",
  });
  const spawned = await mcp.ok<{ run_id: string; session_id: string; status: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "fix it",
    session_mode: null,
    session_id: null,
    profile: null,
    output_schema: null,
    metadata: { ticket: "T-1" },
    backend_config: {
      script: [
        { session: "thread-a" },
        { sleep: 400 },
        { emit: { type: "agent_message", data: { text: "reading" } } },
        { ask: { kind: "permission", text: "run touch x?", tool: "Bash", input: { command: "touch x" } } },
      ],
      resume_script: [{ emit: { type: "run_completed", data: { final_response: "second turn" } } }],
    },
  });
  assert.equal(spawned.status, "queued");

  // Long-poll past the first events: the wait is ended by the append, and progress arrives meanwhile.
  const progress: number[] = [];
  let after = 0;
  let waitingPoll: Poll | undefined;
  for (let i = 0; i < 20 && !waitingPoll; i++) {
    const result = await mcp.client.callTool(
      { name: "poll_events", arguments: { run_id: spawned.run_id, after_seq: after, wait_ms: 5_000 } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p.progress), resetTimeoutOnProgress: true },
    );
    const poll = result.structuredContent as unknown as Poll;
    after = poll.next_after_seq;
    if (poll.events.some((e) => e.type === "input_required")) waitingPoll = poll;
  }
  assert.ok(waitingPoll, "the run asked for input");
  assert.ok(progress.length >= 1, "progress notifications while waiting");

  const run = await mcp.ok<{ status: string; pending_input: Record<string, unknown>; metadata: unknown }>(
    "get_run",
    {
      run_id: spawned.run_id,
    },
  );
  assert.equal(run.status, "input_required");
  assert.deepEqual(run.pending_input, {
    kind: "permission",
    text: "run touch x?",
    tool: "Bash",
    input: { command: "touch x" },
  });
  assert.deepEqual(run.metadata, { ticket: "T-1" });

  const answered = await mcp.ok<{ status: string }>("continue_run", {
    run_id: spawned.run_id,
    input_message: { role: null, parts: [{ type: "data", data: { decision: "allow" } }] },
    prompt: null,
  });
  assert.equal(answered.status, "running");
  const done = await mcp.ok<Poll>("poll_events", {
    run_id: spawned.run_id,
    after_seq: after,
    wait_ms: 5_000,
  });
  assert.equal(done.status, "completed");
  assert.match(String(done.events.find((e) => e.type === "agent_message")?.data.text), /decision/);

  const next = await mcp.ok<{ run_id: string; session_id: string; previous_run_id: string }>("continue_run", {
    run_id: spawned.run_id,
    prompt: "and now the tests",
  });
  assert.equal(next.session_id, spawned.session_id);
  assert.equal(next.previous_run_id, spawned.run_id);
  for (let i = 0; i < 20; i++) {
    const p = await mcp.ok<Poll>("poll_events", {
      run_id: next.run_id,
      after_seq: 0,
      wait_ms: 2_000,
      limit: 100,
    });
    if (p.status === "completed") break;
  }
  const second = await mcp.ok<{ result: { final_response: string } }>("get_run", { run_id: next.run_id });
  assert.equal(second.result.final_response, "second turn");

  const listed = await mcp.ok<{ runs: { run_id: string }[] }>("list_runs", {
    session_id: spawned.session_id,
  });
  assert.deepEqual(
    listed.runs.map((r) => r.run_id),
    [next.run_id, spawned.run_id],
  );

  const hanging = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "reviewer",
    cwd,
    prompt: "wait forever",
    backend_config: { script: [{ hang: true }] },
  });
  const cancelled = await mcp.ok<{ status: string }>("cancel_run", { run_id: hanging.run_id });
  assert.equal(cancelled.status, "cancelled");

  const live = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: "still running at shutdown",
    backend_config: { script: [{ hang: true }] },
  });
  await mcp.ok("poll_events", { run_id: live.run_id, after_seq: 1, wait_ms: 2_000 });
  const pid = mcp.transport.pid as number;
  await mcp.close();
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      break;
    }
  }
  assert.throws(() => process.kill(pid, 0), /ESRCH/, "the server exited after its client left");
  const f = makeEngine({}, home);
  const ended = f.engine.getRun(live.run_id);
  assert.equal(ended.status, "failed");
  assert.equal(ended.error?.code, "interrupted");
  await f.engine.shutdown();
});
