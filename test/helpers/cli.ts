/** The built command line (dist/index.js) as a user runs it: a child process, its exit code and its output. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  /** stdout as bytes, for byte-exact comparisons. */
  raw: Buffer;
  stderr: string;
}

/**
 * Runs `orchestration-mcp ...args` with `env` added to a clean environment (no colour, no terminal). Spawned
 * asynchronously, so engines of the test process keep driving their runs meanwhile.
 */
export function cli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += String(chunk);
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`orchestration-mcp ${args.join(" ")} did not end within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString("utf8"), raw, stderr });
    });
  });
}
