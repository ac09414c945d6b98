/**
 * The project the demo's agents work on: a new directory under the system's temp directory, with a stable
 * prefix, kept after the demo so its files and its run store can be looked at.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STORE_DIR } from "../store/paths.js";

export const WORKSPACE_PREFIX = "orchestration-mcp-demo-";

const FILES: Record<string, string> = {
  "README.md": "# greeter\n\nA tiny project for the orchestration-mcp demo: `node hello.js` greets you.\n",
  "hello.js": 'const name = process.argv[2] ?? "world";\nconsole.log("Hello, " + name + "!");\n',
};

export function createWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), WORKSPACE_PREFIX));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The project's files, without the run store. */
export function workspaceFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== STORE_DIR)
    .sort();
}
