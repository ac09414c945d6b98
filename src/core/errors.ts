/** Stable error codes: every failure a caller sees carries one of these. */
export type ErrorCode =
  | "invalid_input"
  | "not_found"
  | "conflict"
  | "backend_error"
  | "interrupted"
  | "store_error"
  /** A finished run's files no longer match what the server recorded when it ended. */
  | "store_tampered";

/** The one error class of the project; the MCP layer turns it into an `isError` result. */
export class OrchestratorError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "OrchestratorError";
  }
}

export const invalidInput = (field: string, expected: string): OrchestratorError =>
  new OrchestratorError("invalid_input", `${field}: ${expected}`);

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
