#!/usr/bin/env node
/** Entry point: with no arguments, the MCP server on stdio; `reindex` rebuilds the catalog. */
import { defaultBackends } from "./backends/registry.js";
import { reindexCommand } from "./cli/reindex.js";
import { errorMessage } from "./core/errors.js";
import { configFromEnv } from "./engine/config.js";
import { Engine } from "./engine/engine.js";
import { serveStdio } from "./mcp/server.js";
import { VERSION } from "./version.js";

const USAGE = `orchestration-mcp ${VERSION}
usage:
  orchestration-mcp                 serve MCP over stdio (what an MCP host starts)
  orchestration-mcp reindex [CWD…]  rebuild the run catalog from the run files (adding CWDs it did not know)
  orchestration-mcp --version | --help`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command !== undefined && command !== "reindex") {
    process.stderr.write(`unknown command: ${command}\n${USAGE}\n`);
    return 2;
  }
  const engine = new Engine(configFromEnv(), defaultBackends());
  if (command === "reindex") {
    const code = reindexCommand(engine, rest);
    await engine.shutdown();
    return code;
  }
  await serveStdio(engine, VERSION);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error) => {
    process.stderr.write(`orchestration-mcp: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
