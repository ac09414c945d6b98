/**
 * Where the agent SDKs find the codex and claude binaries they bundle, found the way each SDK looks for it, and
 * what each answers to `--version`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** @openai/codex-sdk: the platform package of @openai/codex holds vendor/<target triple>/. */
const CODEX_TARGETS: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

const exe = (name: string): string => (process.platform === "win32" ? `${name}.exe` : name);

/** A require that resolves as the named package does, so nested installs are found where the SDK finds them. */
const requireFrom = (specifier: string): NodeRequire => createRequire(import.meta.resolve(specifier));

export function locateCodex(): string {
  const platform = `${process.platform}-${process.arch}`;
  const triple = CODEX_TARGETS[platform];
  if (!triple) throw new Error(`codex has no build for ${platform}`);
  const codexPackage = requireFrom("@openai/codex-sdk").resolve("@openai/codex/package.json");
  const vendor = join(
    dirname(createRequire(codexPackage).resolve(`@openai/codex-${platform}/package.json`)),
    "vendor",
    triple,
  );
  for (const candidate of [join(vendor, "bin", exe("codex")), join(vendor, "codex", exe("codex"))]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no codex binary under ${vendor}`);
}

/** Linux without glibc (Alpine) takes the musl build first, as the SDK does. */
function prefersMusl(): boolean {
  if (process.platform !== "linux") return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime === undefined;
}

export function locateClaude(): string {
  const base = `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}`;
  const names =
    process.platform === "linux" ? (prefersMusl() ? [`${base}-musl`, base] : [base, `${base}-musl`]) : [base];
  const sdk = requireFrom("@anthropic-ai/claude-agent-sdk");
  const tried: string[] = [];
  for (const name of names) {
    try {
      return sdk.resolve(`${name}/${exe("claude")}`);
    } catch {
      tried.push(name);
    }
  }
  throw new Error(`none of ${tried.join(", ")} is installed`);
}

/** The first line a binary prints for `--version`, or why it did not answer within `timeoutMs`. */
export function binaryVersion(path: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ["--version"], { timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        const reason = error.killed ? `no answer within ${timeoutMs / 1000} s` : error.message;
        reject(new Error(`${path} --version: ${reason}${stderr ? ` (${stderr.trim()})` : ""}`));
      } else resolve(stdout.trim().split("\n")[0] ?? "");
    });
  });
}
