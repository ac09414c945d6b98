/** `runs tail`: follows a run until it ends or waits for input, and exits with a code that says which. */
import { isTerminal, type PendingInput, type RunStatus } from "../core/run.js";
import type { Engine } from "../engine/engine.js";
import { eventLine } from "./event-line.js";
import { painter, printJsonLine, write } from "./output.js";
import { Spinner } from "./spinner.js";
import { exitCodeFor, isWaiting, RUN_EXIT } from "./status.js";
import { safeLine } from "./terminal-safe.js";

export interface TailOptions {
  fromStart?: boolean;
  after?: number;
  json?: boolean;
}

/** Events shown of the past when neither --from-start nor --after is given, as `tail` does. */
const BACKLOG = 10;
const WAIT_MS = 20_000;
const PAGE = 500;
/** The exit code of a command stopped by Ctrl-C. */
export const INTERRUPTED_EXIT = 130;

export async function runsTail(engine: Engine, runId: string, options: TailOptions): Promise<number> {
  const run = engine.getRun(runId);
  const after = options.fromStart ? 0 : (options.after ?? Math.max(0, run.last_seq - BACKLOG));
  return (await follow(engine, run.run_id, after, options)).code;
}

/** How following ended: the exit code, and the seq of the last event seen (to follow on from). */
export interface FollowEnd {
  code: number;
  lastSeq: number;
  pending?: PendingInput;
}

export interface FollowOptions {
  json?: boolean;
  /** The run lives in this process: it stops when the command ends, so the advice differs. */
  hosted?: boolean;
  /** Print what a waiting run asks, but not how to answer it (the caller asks the user itself). */
  askHere?: boolean;
}

/**
 * Prints the run's events after `afterSeq` as they come, until the run ends (its exit code) or waits for input
 * (RUN_EXIT.waiting, with what it asks and how to answer). Ctrl-C stops following.
 */
export async function follow(
  engine: Engine,
  runId: string,
  afterSeq: number,
  options: FollowOptions,
): Promise<FollowEnd> {
  const paint = painter(process.stdout);
  const spinner = new Spinner();
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  let after = afterSeq;
  let status: RunStatus = engine.getRun(runId).status;
  try {
    for (;;) {
      spinner.start(`${status} · waiting for events of ${runId}`);
      const page = await engine.pollEvents({
        run_id: runId,
        after_seq: after,
        limit: PAGE,
        // A waiting run only needs its backlog read: nothing comes until someone answers it.
        wait_ms: isWaiting(status) ? 0 : WAIT_MS,
        signal: stop.signal,
      });
      spinner.stop();
      const width = process.stdout.isTTY ? process.stdout.columns : undefined;
      for (const event of page.events) {
        if (options.json) await printJsonLine(event);
        else await write(process.stdout, `${eventLine(event, paint, width)}\n`);
      }
      after = page.next_after_seq;
      status = page.status;
      if (page.has_more) continue;
      if (isTerminal(status)) return { code: exitCodeFor(status), lastSeq: after };
      if (isWaiting(status) && page.events.length === 0) {
        const pending = engine.getRun(runId).pending_input;
        await explainWaiting(runId, status, pending, options);
        return { code: RUN_EXIT.waiting, lastSeq: after, ...(pending ? { pending } : {}) };
      }
      if (stop.signal.aborted) return { code: INTERRUPTED_EXIT, lastSeq: after };
    }
  } finally {
    spinner.stop();
    process.removeListener("SIGINT", interrupt);
  }
}

/** What a waiting run asks (terminal-safe: the agent wrote it), and the command that answers it. */
async function explainWaiting(
  runId: string,
  status: RunStatus,
  pending: PendingInput | undefined,
  options: FollowOptions,
): Promise<void> {
  const stream = options.json ? process.stderr : process.stdout;
  const paint = painter(stream);
  const kind = safeLine(String(pending?.kind ?? (status === "auth_required" ? "authorization" : "input")));
  const lines = [paint(["yellow", "bold"], `run ${runId} waits for ${kind}${pending?.text ? ":" : ""}`)];
  if (pending?.text) lines[0] += ` ${safeLine(pending.text)}`;
  if (pending?.tool !== undefined) {
    const input = pending.input === undefined ? "" : ` ${JSON.stringify(pending.input)}`;
    lines.push(`  tool: ${safeLine(`${String(pending.tool)}${input}`)}`);
  }
  if (Array.isArray(pending?.options)) {
    const labels = pending.options.map((o) =>
      safeLine(typeof o === "string" ? o : String((o as { label?: unknown })?.label ?? JSON.stringify(o))),
    );
    lines.push(`  options: ${labels.join(" | ")}`);
  }
  if (!options.askHere) lines.push(...howToAnswer(runId, kind, options.hosted === true));
  await write(stream, `${lines.join("\n")}\n`);
}

function howToAnswer(runId: string, kind: string, hosted: boolean): string[] {
  const command = `orchestration-mcp runs continue ${runId}`;
  if (hosted) {
    return [
      "it runs in this command, which ends now: the run stops as interrupted, and",
      `${command} "<your answer>" resumes its session in a new run`,
    ];
  }
  return [
    kind === "permission"
      ? `answer: ${command} allow   (or: ${command} deny)`
      : `answer: ${command} "<your answer>"`,
  ];
}
