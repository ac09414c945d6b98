/**
 * What a finished run reports. Its run files sit in the agent's cwd, which a later agent there can rewrite; the
 * catalog row in the orchestrator home (beyond every sandbox) was written with the same record when the run ended
 * and is final, and holds the seal of its event log. So a finished run is answered from the catalog, a run.json
 * or log that disagrees is reported as tampered rather than answered or silently ignored, and a tampered log is
 * not served.
 */
import { errorMessage, OrchestratorError } from "../core/errors.js";
import { isTerminal, type RunRecord } from "../core/run.js";
import { brokenSeal } from "../store/log-seal.js";
import { eventsFile } from "../store/paths.js";
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
  const agrees =
    JSON.stringify(onDisk) === JSON.stringify(indexed) ||
    // Behind the catalog, not against it: the server stopped between its two writes (catalog first, see persist).
    (!isTerminal(onDisk.status) && onDisk.updated_at <= indexed.updated_at);
  if (!agrees) return tampered(indexed, "its run.json was changed after the run ended");
  const broken = indexed.log && brokenSeal(eventsFile(indexed.cwd, indexed.run_id), indexed.log);
  return broken ? tampered(indexed, broken) : indexed;
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

/**
 * The path of a run's event log, once it is safe to serve: a finished run's log must match the seal kept with
 * its record (runs that ended before logs were sealed have none), else reading it is refused as tampered.
 */
export function servableLog(record: RunRecord): string {
  const path = eventsFile(record.cwd, record.run_id);
  if (!isTerminal(record.status) || record.log === undefined) return path;
  const broken = brokenSeal(path, record.log);
  if (broken === undefined) return path;
  throw new OrchestratorError(
    "store_tampered",
    `run ${record.run_id} in ${record.cwd}: ${broken}; its events are not served (get_run answers the record the server kept)`,
  );
}
