/**
 * A codex turn through the orchestration: the built server (dist/index.js) over stdio, spawn_run then poll_events
 * until completed, against the same turn through @openai/codex-sdk alone. Both drive the real codex CLI against
 * the fake Responses server (src/sim/responses-server.ts), configured by the same $CODEX_HOME/config.toml.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Codex, type ThreadEvent } from "@openai/codex-sdk";
import { type FakeResponses, startFakeResponses } from "../src/sim/responses-server.js";
import { type Connected, connect } from "../test/helpers/mcp-client.js";
import { type Bench, duration, msSince, nowNs, percentile, type Row, ratio, Scratch } from "./lib.js";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const WAIT_MS = 20_000;

interface Scenario {
  name: string;
  prompt: string;
  /** Proof that the turn did the scenario's work (so both sides ran the same turn). */
  serverCheck?: (types: string[]) => boolean;
  sdkCheck?: (events: ThreadEvent[]) => boolean;
}

const SCENARIOS: Scenario[] = [
  { name: "say", prompt: "[[say:done]]" },
  {
    name: "exec",
    prompt: "[[exec:echo hi]]",
    serverCheck: (types) => types.includes("command_finished"),
    sdkCheck: (events) =>
      events.some((e) => e.type === "item.completed" && e.item.type === "command_execution"),
  },
];

/** One timed turn: its duration, and the wall clock (Date.now) at its start and end for the fake's request log. */
interface Timed {
  ms: number;
  startWall: number;
  endWall: number;
}

interface Poll {
  status: string;
  events: { seq: number; type: string }[];
  next_after_seq: number;
}

/** One turn through the server: ms from just before spawn_run to the poll answer that shows `completed`. */
async function serverTurn(mcp: Connected, cwd: string, scenario: Scenario): Promise<Timed> {
  const startWall = Date.now();
  const start = nowNs();
  const spawned = await mcp.ok<{ run_id: string }>("spawn_run", {
    backend: "codex",
    role: "worker",
    cwd,
    prompt: scenario.prompt,
  });
  const types: string[] = [];
  let after = 0;
  for (;;) {
    const page = await mcp.ok<Poll>("poll_events", {
      run_id: spawned.run_id,
      after_seq: after,
      wait_ms: WAIT_MS,
      limit: 1000,
    });
    types.push(...page.events.map((e) => e.type));
    after = page.next_after_seq;
    if (page.status === "completed") break;
    if (page.status === "failed" || page.status === "cancelled") {
      throw new Error(`codex-turn: server run ${spawned.run_id} ended ${page.status}: ${types.join(", ")}`);
    }
  }
  const ms = msSince(start);
  const endWall = Date.now();
  if (scenario.serverCheck && !scenario.serverCheck(types)) {
    throw new Error(`codex-turn: server ${scenario.name} turn lacked its work: ${types.join(", ")}`);
  }
  return { ms, startWall, endWall };
}

/**
 * One turn through the SDK alone: ms from just before `new Codex` to turn.completed, and (`exitMs`, not part of
 * the figure) from turn.completed to the end of the event stream, i.e. until the codex process had exited.
 */
async function sdkTurn(
  env: Record<string, string>,
  cwd: string,
  scenario: Scenario,
): Promise<Timed & { exitMs: number }> {
  const startWall = Date.now();
  const start = nowNs();
  const thread = new Codex({ env }).startThread({
    workingDirectory: cwd,
    skipGitRepoCheck: true,
    sandboxMode: "workspace-write",
    approvalPolicy: "never",
    networkAccessEnabled: false,
  });
  const turn = await thread.runStreamed(scenario.prompt);
  const events: ThreadEvent[] = [];
  let completedMs: number | undefined;
  let endWall = 0;
  for await (const event of turn.events) {
    events.push(event);
    if (event.type === "turn.completed" && completedMs === undefined) {
      completedMs = msSince(start);
      endWall = Date.now();
    }
    if (event.type === "turn.failed" || event.type === "error") {
      throw new Error(`codex-turn: SDK ${scenario.name} turn failed: ${JSON.stringify(event)}`);
    }
  }
  const endedMs = msSince(start);
  if (completedMs === undefined) throw new Error(`codex-turn: SDK ${scenario.name} turn never completed`);
  if (scenario.sdkCheck && !scenario.sdkCheck(events)) {
    throw new Error(
      `codex-turn: SDK ${scenario.name} turn lacked its work: ${events.map((e) => e.type).join(", ")}`,
    );
  }
  return { ms: completedMs, startWall, endWall, exitMs: endedMs - completedMs };
}

/** The model calls the fake received during a turn: time before the first one and after the last one (ms). */
function phases(fake: FakeResponses, fakeEpoch: number, seen: number, turn: Timed): [number, number] {
  const calls = fake.responsesRequests().slice(seen);
  const first = calls[0];
  const last = calls.at(-1);
  if (!first || !last) throw new Error("codex-turn: a turn made no model call");
  return [fakeEpoch + first.at - turn.startWall, turn.endWall - (fakeEpoch + last.at)];
}

/** Per-turn figures of one side. */
class Side {
  readonly ms: number[] = [];
  readonly before: number[] = [];
  readonly after: number[] = [];

  add(turn: Timed, [before, after]: [number, number]): void {
    this.ms.push(turn.ms);
    this.before.push(before);
    this.after.push(after);
  }
}

const p50 = (samples: number[]): string => duration(percentile(samples, 50));

export const codexTurn: Bench = async ({ quick }) => {
  if (!existsSync(DIST)) {
    throw new Error(
      `codex-turn: ${DIST} is missing; build the server first (npm install builds it, or npm run build)`,
    );
  }
  const iterations = quick ? 3 : 10;
  const warmup = quick ? 1 : 2;
  const scratch = new Scratch();
  let fake: FakeResponses | undefined;
  let mcp: Connected | undefined;
  try {
    // The fake stamps requests in ms since it started, which is this Date.now() (it reads the clock at once).
    const fakeEpoch = Date.now();
    fake = await startFakeResponses();
    const codexHome = scratch.dir("codex-home");
    writeFileSync(join(codexHome, "config.toml"), fake.codexConfigToml());
    const codexEnv = fake.codexEnv(codexHome);
    const cwd = scratch.dir("codex-cwd");
    const connectStart = nowNs();
    mcp = await connect([DIST], { ...codexEnv, ORCHESTRATOR_HOME: scratch.dir("codex-orch") });
    const connectMs = msSince(connectStart);

    const start = nowNs();
    const rows: Row[] = [];
    const details: string[] = [];
    for (const scenario of SCENARIOS) {
      const server = new Side();
      const sdk = new Side();
      const sdkExit: number[] = [];
      // Alternate the two, so drift on the machine falls on both alike.
      for (let i = 0; i < warmup + iterations; i++) {
        let seen = fake.responsesRequests().length;
        const viaServer = await serverTurn(mcp, cwd, scenario);
        const serverPhases = phases(fake, fakeEpoch, seen, viaServer);
        seen = fake.responsesRequests().length;
        const viaSdk = await sdkTurn(codexEnv, cwd, scenario);
        const sdkPhases = phases(fake, fakeEpoch, seen, viaSdk);
        if (i < warmup) continue;
        server.add(viaServer, serverPhases);
        sdk.add(viaSdk, sdkPhases);
        sdkExit.push(viaSdk.exitMs);
      }
      const label = `${scenario.prompt} turn`;
      for (const p of [50, 90]) {
        const figure = percentile(server.ms, p);
        const baseline = percentile(sdk.ms, p);
        rows.push({
          name: `${label} p${p}`,
          figure: duration(figure),
          baseline: duration(baseline),
          ratio: ratio(figure, baseline),
        });
      }
      const overhead = percentile(server.ms, 50) - percentile(sdk.ms, 50);
      rows.push({
        name: `${label} overhead (p50 difference)`,
        figure: `${overhead >= 0 ? "+" : "−"}${duration(Math.abs(overhead))}`,
        baseline: "–",
        ratio: "–",
      });
      details.push(
        `${scenario.prompt}: ${iterations} timed turns a side after ${warmup} warm-up ` +
          `turn${warmup === 1 ? "" : "s"} a side. From the start to the first model call the fake received, ` +
          `p50: server ${p50(server.before)}, SDK ${p50(sdk.before)}; from the last model call to the end, ` +
          `p50: server ${p50(server.after)}, SDK ${p50(sdk.after)}. In the SDK turns the event stream ended ` +
          `(codex exited) ${p50(sdkExit)} after turn.completed at p50.`,
      );
    }
    const totalMs = msSince(start);
    if (fake.outsideAttempts.length > 0) {
      throw new Error(`codex-turn: codex tried to leave 127.0.0.1: ${fake.outsideAttempts.join(", ")}`);
    }
    return {
      title: "Codex turn",
      notes: [
        "Figure: a codex turn through the built server: dist/index.js over stdio with the MCP SDK client " +
          `(started once, outside the timing, in ${duration(connectMs)}), spawn_run({backend: "codex"}) then ` +
          `poll_events({wait_ms: ${WAIT_MS.toLocaleString("en-US")}}) until the poll answer shows status ` +
          "completed; time from just before spawn_run to that answer.",
        "Baseline: the same turn through @openai/codex-sdk alone, in the benchmark process: new Codex({env})" +
          '.startThread({workingDirectory, skipGitRepoCheck: true, sandboxMode: "workspace-write", ' +
          'approvalPolicy: "never", networkAccessEnabled: false}) (the options the server passes by default)' +
          ".runStreamed(prompt), timed from just before new Codex to the turn.completed event.",
        "Both run the real codex CLI against the fake Responses server (src/sim/responses-server.ts) on " +
          "127.0.0.1, configured by the same $CODEX_HOME/config.toml and environment, in the same cwd; " +
          "server and SDK turns alternate. The exec turn is two model calls with `echo hi` run in the sandbox " +
          "between them. The split at the model calls comes from the fake's request log (ms resolution). " +
          `Both scenarios together took ${duration(totalMs)}.`,
        ...details,
      ],
      rows,
    };
  } finally {
    await mcp?.close();
    await fake?.close();
    scratch.cleanup();
  }
};
