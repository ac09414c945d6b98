/**
 * What a finished run reports. Its run files sit in the agent's cwd, which a later agent there can rewrite; the
 * catalog row in the orchestrator home (beyond every sandbox) was written with the same record when the run ended
 * and is final. So a finished run is answered from the catalog, and a run.json that disagrees is reported as
 * tampered rather than answered, or silently ignored.
 */
import { errorMessage, OrchestratorError } from "../core/errors.js";
import { isTerminal, type RunRecord } from "../core/run.js";
import { readRunRecord } from "../store/run-files.js";

export function finishedRecord(indexed: RunRecord): RunRecord {
  let onDisk: RunRecord | undefined;
  try {
    onDisk = readRunRecord(indexed.cwd, indexed.run_id);
  } catch (error) {
    return tampered(indexed, `its run.json cannot be read as the record it was (${errorMessage(error)})`);
  }
  if (onDisk === undefined) {
    throw new OrchestratorError(
      "not_found",
      `run_id: run ${indexed.run_id} is indexed but its files are gone from ${indexed.cwd}`,
    );
  }
  if (JSON.stringify(onDisk) === JSON.stringify(indexed)) return indexed;
  // Behind the catalog, not against it: the server stopped between its two writes (catalog first, see persist).
  if (!isTerminal(onDisk.status) && onDisk.updated_at <= indexed.updated_at) return indexed;
  return tampered(indexed, "its run.json was changed after the run ended");
}

function tampered(indexed: RunRecord, what: string): RunRecord {
  const own = indexed.error
    ? `; the run's own error was ${indexed.error.code}: ${indexed.error.message}`
    : "";
  return {
    ...indexed,
    error: {
      code: "store_tampered",
      message: `run ${indexed.run_id} in ${indexed.cwd}: ${what}. This answer is the record the server kept in its catalog when the run ended${own}`,
    },
  };
}
