/**
 * The run store's folder in every run's cwd, which the agents are told is read-only for them. Backends may not
 * import the store, so this repeats its STORE_DIR (a unit test keeps the two equal).
 */
export const STORE_FOLDER = ".nanobot-orchestrator";
