#!/usr/bin/env node
/**
 * Entry point. With no arguments: the MCP server on stdio (what an MCP host starts). With a command: the command
 * line (src/cli/). Each loads only what it needs, so neither pays for the other.
 */
import { errorMessage } from "./core/errors.js";

async function serve(): Promise<void> {
  const [{ defaultBackends }, { configFromEnv }, { Engine }, { serveStdio }, { VERSION }] = await Promise.all(
    [
      import("./backends/registry.js"),
      import("./engine/config.js"),
      import("./engine/engine.js"),
      import("./mcp/server.js"),
      import("./version.js"),
    ],
  );
  await serveStdio(new Engine(configFromEnv(), defaultBackends()), VERSION);
}

async function main(argv: string[]): Promise<number | undefined> {
  if (argv.length === 0) {
    await serve();
    return undefined;
  }
  const { runCli } = await import("./cli/program.js");
  return runCli(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error) => {
    process.stderr.write(`orchestration-mcp: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
