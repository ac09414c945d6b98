/** `demo`: the offline demo (a scripted local model provider, real codex and Claude Code, no account). */
import { errorMessage } from "../core/errors.js";

export async function demo(): Promise<number> {
  let runDemo: (options?: { out?: NodeJS.WritableStream }) => Promise<number>;
  try {
    ({ runDemo } = await import("../demo/run-demo.js"));
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    process.stderr.write(`the demo is not built (${errorMessage(error)}): run npm run build\n`);
    return 1;
  }
  return runDemo({ out: process.stdout });
}
