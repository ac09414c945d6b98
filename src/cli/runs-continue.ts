/**
 * `runs continue`: answers a run that waits for input, or starts the next run of a finished run's session. That
 * new run lives in this process, so the command follows it to its end (as `runs tail` does), and asks for the
 * answer itself when the run waits for input in a terminal.
 */
import { createInterface } from "node:readline/promises";
import type { PendingInput } from "../core/run.js";
import type { Engine } from "../engine/engine.js";
import { printJsonLine, write } from "./output.js";
import { follow } from "./runs-tail.js";
import { RUN_EXIT } from "./status.js";
import { safeLine } from "./terminal-safe.js";

export async function runsContinue(
  engine: Engine,
  runId: string,
  text: string,
  options: { json?: boolean },
): Promise<number> {
  const answer = await engine.continueRun({ run_id: runId, prompt: text });
  if (options.json) await printJsonLine(answer);
  if (answer.previous_run_id === undefined) {
    if (!options.json)
      await write(process.stdout, `run ${answer.run_id}: input delivered, ${answer.status}\n`);
    return 0;
  }
  // The session id is read back from the previous run's files.
  process.stderr.write(
    `run ${answer.run_id} continues session ${safeLine(answer.session_id)} after ${answer.previous_run_id}; it runs ` +
      "in this command until it ends (Ctrl-C stops it; continuing it again resumes the session)\n",
  );
  const askHere = process.stdin.isTTY === true && !options.json;
  let after = 0;
  for (;;) {
    const end = await follow(engine, answer.run_id, after, { ...options, hosted: true, askHere });
    if (end.code === RUN_EXIT.waiting && !askHere) process.stderr.write(`stopping run ${answer.run_id}…\n`);
    if (end.code !== RUN_EXIT.waiting || !askHere) return end.code;
    const reply = await ask(end.pending);
    if (reply === undefined) {
      process.stderr.write(
        `no answer: stopping run ${answer.run_id} (interrupted); orchestration-mcp runs continue ${answer.run_id} TEXT resumes its session\n`,
      );
      return end.code;
    }
    await engine.continueRun({ run_id: answer.run_id, prompt: reply });
    after = end.lastSeq;
  }
}

/** Reads one answer from the terminal; undefined when the user gives none (Ctrl-C, Ctrl-D). */
async function ask(pending: PendingInput | undefined): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const stop = new AbortController();
  rl.on("SIGINT", () => stop.abort());
  rl.on("close", () => stop.abort());
  const question = pending?.kind === "permission" ? "allow or deny> " : "your answer> ";
  try {
    const reply = (await rl.question(question, { signal: stop.signal })).trim();
    return reply === "" ? undefined : reply;
  } catch {
    return undefined;
  } finally {
    rl.close();
  }
}
