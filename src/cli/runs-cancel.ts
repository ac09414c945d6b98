/** `runs cancel`: stops a run (through the engine, which refuses a run another live server hosts). */
import { isTerminal } from "../core/run.js";
import type { Engine } from "../engine/engine.js";
import { painter, printJson, write } from "./output.js";
import { paintStatus } from "./status.js";

export async function runsCancel(
  engine: Engine,
  runId: string,
  options: { json?: boolean },
): Promise<number> {
  const before = engine.getRun(runId).status;
  const answer = await engine.cancelRun(runId);
  if (options.json) {
    await printJson(answer);
    return 0;
  }
  const paint = painter(process.stdout);
  const text = isTerminal(before)
    ? `run ${answer.run_id} had already ended (${paintStatus(paint, before)}): nothing to cancel`
    : `run ${answer.run_id}: ${paintStatus(paint, answer.status)}`;
  await write(process.stdout, `${text}\n`);
  return 0;
}
