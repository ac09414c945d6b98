/** A file system or SQLite failure turned into the one error a caller sees: `store_error`, naming what failed. */
import { errorMessage, OrchestratorError } from "../core/errors.js";

export const storeFailure = (what: string, error: unknown): OrchestratorError =>
  error instanceof OrchestratorError
    ? error
    : new OrchestratorError("store_error", `${what}: ${errorMessage(error)}`);
