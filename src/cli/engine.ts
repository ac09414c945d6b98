/**
 * The engine a command works through: the same one the MCP server runs, on the same home. Loaded on demand, so
 * `--help` and commands that need no engine start fast.
 */
import type { Engine } from "../engine/engine.js";

export async function openEngine(): Promise<Engine> {
  const [{ defaultBackends }, { configFromEnv }, { Engine }] = await Promise.all([
    import("../backends/registry.js"),
    import("../engine/config.js"),
    import("../engine/engine.js"),
  ]);
  return new Engine(configFromEnv(), defaultBackends());
}

/** Runs `use` with an engine and shuts the engine down afterwards, whatever happens. */
export async function withEngine<T>(use: (engine: Engine) => Promise<T> | T): Promise<T> {
  const engine = await openEngine();
  try {
    return await use(engine);
  } finally {
    await engine.shutdown("the command ended");
  }
}
