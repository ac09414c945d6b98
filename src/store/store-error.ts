/** A file system or SQLite failure turned into the one error a caller sees: `store_error`, naming what failed. */
import { errorMessage, OrchestratorError } from "../core/errors.js";

/** A store_error from below (the catalog's, say) gets `what` in front too, so the message says where it was. */
export const storeFailure = (what: string, error: unknown): OrchestratorError =>
  error instanceof OrchestratorError && error.code !== "store_error"
    ? error
    : new OrchestratorError("store_error", `${what}: ${errorMessage(error)}`);
