/**
 * Start-up recovery: a run left unfinished by a process that is gone becomes `failed` with code `interrupted`,
 * through a terminal event of its own, so nothing stays "running" forever.
 */
import type { RunRecord } from "../core/run.js";
import { isTerminal } from "../core/run.js";
import { isTerminalEvent } from "../events/types.js";
import { EventLogWriter, readLastEvent, sealLog } from "../store/event-log.js";
import { eventsFile } from "../store/paths.js";
import { readRunRecord, removeTemporaries } from "../store/run-files.js";
import { withRunLock } from "../store/run-lock.js";
import { isHostAlive } from "./host-process.js";

const TERMINAL_STATUS = {
  run_completed: "completed",
  run_failed: "failed",
  run_cancelled: "cancelled",
} as const;

export const needsRecovery = (record: RunRecord): boolean =>
  !isTerminal(record.status) && !isHostAlive(record.host);

/**
 * Ends a run whose host died, unless another process is doing it right now. Returns the record as it stands
 * afterwards; `persist` writes run.json and the catalog.
 */
export function recoverRun(stale: RunRecord, persist: (record: RunRecord) => void): RunRecord {
  return (
    withRunLock(stale.cwd, stale.run_id, () => {
      const record = readRunRecord(stale.cwd, stale.run_id) ?? stale;
      if (isTerminal(record.status)) {
        // run.json caught up but the catalog did not: bring the catalog's row along.
        if (!isTerminal(stale.status)) persist(record);
        return record;
      }
      if (!needsRecovery(record)) return record;
      removeTemporaries(record.cwd, record.run_id, record.host.pid);
      const path = eventsFile(record.cwd, record.run_id);
      const last = readLastEvent(path);
      const now = new Date().toISOString();
      if (last && isTerminalEvent(last.type)) {
        // The host wrote its terminal event but died before run.json caught up.
        record.status = TERMINAL_STATUS[last.type as keyof typeof TERMINAL_STATUS];
        record.last_seq = last.seq;
        record.completed_at = last.ts;
        record.log = sealLog(path);
        if (last.type === "run_failed") {
          record.error = {
            code: typeof last.data.code === "string" ? last.data.code : "backend_error",
            message: String(last.data.message ?? "the run failed"),
          };
        }
      } else {
        const message = `the server process that hosted this run (pid ${record.host.pid}) stopped before the run ended; continue_run resumes its session`;
        const writer = EventLogWriter.open(path);
        const seq = writer.lastSeq + 1;
        writer.append({
          seq,
          ts: now,
          run_id: record.run_id,
          session_id: record.session_id,
          backend: record.backend,
          type: "run_failed",
          data: { code: "interrupted", message, previous_status: record.status },
        });
        record.log = writer.seal();
        writer.close();
        record.status = "failed";
        record.error = { code: "interrupted", message };
        record.last_seq = seq;
        record.completed_at = now;
      }
      delete record.pending_input;
      record.updated_at = now;
      persist(record);
      return record;
    }) ?? stale
  );
}
