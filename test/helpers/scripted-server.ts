/** The MCP server on stdio with the scripted backend registered as `codex`: for end-to-end flow tests only. */
import { configFromEnv } from "../../src/engine/config.js";
import { Engine } from "../../src/engine/engine.js";
import { serveStdio } from "../../src/mcp/server.js";
import { ScriptedBackend } from "./scripted-backend.js";

const backend = new ScriptedBackend("codex");
const engine = new Engine(configFromEnv(), new Map([[backend.name, backend]]));
await serveStdio(engine, "test");
