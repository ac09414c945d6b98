/**
 * MCP round trip over stdio: get_run, poll_events and list_runs through the built server (dist/index.js) and
 * the MCP SDK's client, against the protocol's own ping on the same connection (what the SDK's stdio transport
 * costs) and against the same engine calls made in-process (what the engine itself costs).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Engine } from "../src/engine/engine.js";
import { createMcpServer } from "../src/mcp/server.js";
import { type Connected, connect } from "../test/helpers/mcp-client.js";
import {
  type Bench,
  benchEngine,
  bytes,
  count,
  duration,
  msSince,
  nowNs,
  percentile,
  percentileRows,
  type Row,
  Scratch,
  sample,
  writeBurstRun,
} from "./lib.js";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
/** Runs in the catalog, so that list_runs({limit: 50}) answers a full page. */
const RUNS = 50;
const EVENTS_PER_RUN = 100;
const BLOCKS = 10;
const WARMUP = 50;

/** One call, made over MCP (tool and arguments) and on the engine in-process. */
interface Probe {
  tool: string;
  args: Record<string, unknown>;
  inProcess: (engine: Engine) => unknown;
}

/** Finished runs written through an in-process engine over `home`, which the server then reads from the store. */
async function seedRuns(engine: Engine, cwd: string): Promise<string[]> {
  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i++) runIds.push(await writeBurstRun(engine, cwd, EVENTS_PER_RUN));
  return runIds;
}

function probes(runId: string): Probe[] {
  const tail = { run_id: runId, after_seq: EVENTS_PER_RUN - 10, limit: 10 };
  return [
    { tool: "get_run", args: { run_id: runId }, inProcess: (engine) => engine.getRun(runId) },
    { tool: "poll_events", args: tail, inProcess: (engine) => engine.pollEvents(tail) },
    { tool: "list_runs", args: { limit: 50 }, inProcess: (engine) => engine.listRuns({ limit: 50 }) },
  ];
}

type Call = () => unknown;

/** A client's round trips: the protocol's ping first, then each probe's tool call (an error answer throws). */
function viaClient(client: Client, list: Probe[]): Call[] {
  return [
    () => client.ping(),
    ...list.map((probe) => async () => {
      const result = await client.callTool({ name: probe.tool, arguments: probe.args });
      if (result.isError) throw new Error(`${probe.tool} failed: ${JSON.stringify(result.content)}`);
      return result;
    }),
  ];
}

/**
 * Latencies (ms) of every call of every group, after WARMUP untimed calls each; the calls take turns in BLOCKS
 * blocks, so drift on the machine (it is shared) falls on every series alike.
 */
async function sampleGroups(groups: Call[][], iterations: number): Promise<number[][][]> {
  const out = groups.map((group) => group.map(() => [] as number[]));
  const all = groups.flatMap((group, g) => group.map((call, c) => ({ call, into: out[g]?.[c] ?? [] })));
  for (const { call } of all) await sample(0, WARMUP, call);
  for (let block = 0; block < BLOCKS; block++) {
    for (const { call, into } of all) into.push(...(await sample(iterations / BLOCKS, 0, call)));
  }
  return out;
}

/** The server's own McpServer in this process, linked to a client by the SDK's InMemoryTransport (no stdio). */
async function inMemoryClient(engine: Engine): Promise<Client> {
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(engine, "bench").connect(serverSide);
  const client = new Client({ name: "orchestration-mcp-bench", version: "0.0.0" });
  await client.connect(clientSide);
  return client;
}

const p50 = (samples: number[] | undefined): string => duration(percentile(samples ?? [], 50));

export const mcpRoundtrip: Bench = async ({ quick }) => {
  if (!existsSync(DIST)) {
    throw new Error(
      `mcp-roundtrip: ${DIST} is missing; build the server first (npm install builds it, or npm run build)`,
    );
  }
  const iterations = quick ? 200 : 2_000;
  const scratch = new Scratch();
  const home = scratch.dir("mcp-home");
  const cwd = scratch.dir("mcp-cwd");
  const engine = benchEngine(home);
  let mcp: Connected | undefined;
  let memory: Client | undefined;
  try {
    const runIds = await seedRuns(engine, cwd);
    const list = probes(runIds.at(-1) as string);
    const connectStart = nowNs();
    const server = await connect([DIST], { ORCHESTRATOR_HOME: home }, cwd);
    mcp = server;
    const connectMs = msSince(connectStart);
    const sizes = await Promise.all(
      list.map(async (p) => `${p.tool} ${bytes(JSON.stringify(await server.ok(p.tool, p.args)).length)}`),
    );
    memory = await inMemoryClient(engine);
    const start = nowNs();
    const [stdio = [], local = [], inMemory = []] = await sampleGroups(
      [
        viaClient(server.client, list),
        list.map((probe) => () => probe.inProcess(engine)),
        viaClient(memory, list),
      ],
      iterations,
    );
    const totalMs = msSince(start);
    const ping = stdio[0] ?? [];
    const rows: Row[] = list.flatMap((probe, i) => [
      ...percentileRows((p) => `${probe.tool} p${p} vs ping`, stdio[i + 1] ?? [], ping),
      ...percentileRows(
        (p) => `${probe.tool} p${p} vs in-process engine call`,
        stdio[i + 1] ?? [],
        local[i] ?? [],
      ),
    ]);
    return {
      title: "MCP round trip over stdio",
      notes: [
        `Figure: tools/call from the MCP SDK's Client over StdioClientTransport to the built server ` +
          `(node dist/index.js with a temporary ORCHESTRATOR_HOME and cwd, started once, outside the timing, ` +
          `in ${duration(connectMs)}), timed from the call to its parsed result. The client made no ` +
          "tools/list, so it does not validate structuredContent against the output schemas: the figure is " +
          "transport + server.",
        `The server reads ${count(RUNS)} finished runs of ${count(EVENTS_PER_RUN)} events that an ` +
          "in-process engine wrote to the same home beforehand: get_run({run_id}) and poll_events({after_seq: " +
          `${EVENTS_PER_RUN - 10}, limit: 10}) of the last one, list_runs({limit: 50}). Their structuredContent ` +
          `is ${sizes.join(", ")} of JSON; each answer carries it twice (as structuredContent and as text).`,
        "Baselines: the protocol's own ping (client.ping()) on the same connection, i.e. a request and an " +
          "empty result through the same transport, and the same call on that in-process engine " +
          "(getRun, pollEvents, listRuns), the runs read from the store as the server reads them.",
        "To split the difference: the same calls through the server's own McpServer (createMcpServer) in this " +
          "process, linked to a Client by the SDK's InMemoryTransport (no pipe, no JSON text on the wire), p50: " +
          `ping ${p50(inMemory[0])}, ${list.map((probe, i) => `${probe.tool} ${p50(inMemory[i + 1])}`).join(", ")}.`,
        `${count(iterations)} timed calls of each, in ${BLOCKS} alternating blocks after ${WARMUP} untimed ` +
          `calls each; all of it took ${duration(totalMs)}.`,
      ],
      rows,
    };
  } finally {
    await mcp?.close();
    await memory?.close();
    await engine.shutdown();
    scratch.cleanup();
  }
};
