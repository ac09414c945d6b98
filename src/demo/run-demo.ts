/**
 * `npm run demo`: a real orchestration on this machine, with no account and no network. The scripted local
 * model provider stands in for OpenAI and Anthropic; everything else is real: the built MCP server over stdio
 * (this process is its top-level agent, through the MCP SDK's client), the codex and Claude Code binaries, and
 * one of our A2A agents. Three runs go in parallel: a codex worker runs a command and changes a file, a Claude
 * Code reviewer asks permission (answered through continue_run), a remote_a2a run goes to the A2A agent.
 */
import { randomBytes } from "node:crypto";
import { startA2aAgent } from "../agents/server.js";
import { CodexBackend } from "../backends/codex/codex-backend.js";
import { errorMessage } from "../core/errors.js";
import { startLocalProvider } from "../sim/local-provider.js";
import { orchestratorHome } from "../store/paths.js";
import { followRun, type RunView } from "./follow.js";
import { connectServer, type DemoClient } from "./mcp-client.js";
import { DEMO_RUNS, type DemoRunPlan } from "./plan.js";
import { Progress } from "./progress.js";
import { type RunOutcome, report } from "./report.js";
import { createWorkspace } from "./workspace.js";

/** How long the runs may take before the demo cancels them and gives up (they take seconds). */
const RUNS_LIMIT_MS = 45_000;
/** The variable the server reads the A2A agent's bearer token from (`backend_config.token_env`). */
const TOKEN_ENV = "DEMO_A2A_TOKEN";

export async function runDemo(options: { out?: NodeJS.WritableStream } = {}): Promise<number> {
  const out = options.out ?? process.stdout;
  const say = (line = "") => out.write(`${line}\n`);
  const started = Date.now();
  const stop = new AbortController();
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    stop.abort(new Error("interrupted (Ctrl-C)"));
  };
  process.once("SIGINT", interrupt);
  const closers: (() => Promise<unknown>)[] = [];
  let client: DemoClient | undefined;
  let code = 1;
  try {
    say("orchestration-mcp demo: a real orchestration on this machine, no account, no network");
    const provider = await startLocalProvider();
    closers.push(() => provider.close());
    const workspace = createWorkspace();
    const token = randomBytes(24).toString("base64url");
    const agent = await startA2aAgent({
      backend: new CodexBackend(provider.codexEnv),
      root: workspace,
      token,
    });
    closers.push(() => agent.close());
    const catalogHome = orchestratorHome(process.env);
    client = await connectServer(
      { ...provider.env, ORCHESTRATOR_HOME: catalogHome, [TOKEN_ENV]: token },
      workspace,
    );
    closers.push(() => client?.close() ?? Promise.resolve());

    say(`  model provider  scripted, on 127.0.0.1: Responses API ${provider.responses.url} (codex),`);
    say(`                  Messages API ${provider.messages.url} (Claude Code)`);
    say(`  A2A agent       ${agent.url} (codex behind it, bearer token)`);
    say("  MCP server      dist/index.js over stdio; this process is the top-level agent (MCP SDK client)");
    say(`  workspace       ${workspace}`);
    say();
    say(`Spawning ${DEMO_RUNS.length} runs in parallel (spawn_run), following them (poll_events):`);

    const live = client;
    const ids = await Promise.all(DEMO_RUNS.map((plan) => spawn(live, plan, workspace, agent.url)));
    const progress = new Progress(
      out,
      DEMO_RUNS.map((p) => ({ label: p.label, backend: p.backend })),
    );
    progress.start();
    const limit = setTimeout(
      () => stop.abort(new Error(`the runs took longer than ${RUNS_LIMIT_MS / 1000} s`)),
      RUNS_LIMIT_MS,
    );
    const followed = await Promise.allSettled(
      DEMO_RUNS.map((plan, i) => followRun(live, ids[i] ?? "", plan, i, progress, stop.signal)),
    );
    clearTimeout(limit);
    progress.stop();

    const outcomes: RunOutcome[] = [];
    for (const [i, plan] of DEMO_RUNS.entries()) {
      const runId = ids[i] ?? "";
      let run = await live.call<RunView>("get_run", { run_id: runId });
      const settled = followed[i];
      let problem = stop.signal.aborted ? errorMessage(stop.signal.reason) : undefined;
      if (settled?.status === "rejected") problem = errorMessage(settled.reason);
      if (!["completed", "failed", "cancelled"].includes(run.status)) {
        await live.call("cancel_run", { run_id: runId });
        run = await live.call<RunView>("get_run", { run_id: runId });
      }
      outcomes.push({
        plan,
        run,
        ...(settled?.status === "fulfilled" ? { followed: settled.value } : {}),
        ...(problem ? { problem } : {}),
      });
    }
    const { lines, ok } = report({
      outcomes,
      workspace,
      catalogHome,
      catalogFromEnv: Boolean(process.env.ORCHESTRATOR_HOME),
      outsideAttempts: provider.outsideAttempts(),
      seconds: (Date.now() - started) / 1000,
    });
    for (const line of lines) say(line);
    code = ok ? 0 : 1;
  } catch (error) {
    say(`Demo failed: ${errorMessage(error)}`);
    const stderr = client?.stderr().trim();
    if (stderr) say(`The server said:\n${stderr}`);
  } finally {
    process.off("SIGINT", interrupt);
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
  return interrupted ? 130 : code;
}

async function spawn(client: DemoClient, plan: DemoRunPlan, cwd: string, agentUrl: string): Promise<string> {
  const run = await client.call<{ run_id: string }>("spawn_run", {
    backend: plan.backend,
    role: plan.role,
    cwd,
    prompt: plan.prompt,
    metadata: { source: "orchestration-mcp demo" },
    ...(plan.remote ? { backend_config: { agent_url: agentUrl, token_env: TOKEN_ENV } } : {}),
  });
  return run.run_id;
}
