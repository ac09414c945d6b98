/**
 * Whether codex and Claude Code will find credentials, judged from the environment and the files each reads.
 * Missing credentials are a warning, not a failure: a login kept elsewhere (a keychain, a provider's own
 * variable named in a config file) is invisible from here.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface AuthFinding {
  found: boolean;
  detail: string;
  fix?: string;
}

const set = (env: NodeJS.ProcessEnv, name: string): boolean => (env[name] ?? "") !== "";

export function codexAuth(env: NodeJS.ProcessEnv, codexBinary?: string): AuthFinding {
  for (const name of ["OPENAI_API_KEY", "CODEX_API_KEY"]) {
    if (set(env, name)) return { found: true, detail: `${name} is set` };
  }
  const home = env.CODEX_HOME || join(homedir(), ".codex");
  if (existsSync(join(home, "auth.json")))
    return { found: true, detail: `signed in (${join(home, "auth.json")})` };
  const config = join(home, "config.toml");
  if (existsSync(config) && /^\s*(model_provider|\[model_providers)/m.test(readFileSync(config, "utf8"))) {
    return { found: true, detail: `a model provider is configured in ${config}` };
  }
  return {
    found: false,
    detail: `no OPENAI_API_KEY, no login in ${home}, no model provider in its config.toml`,
    fix: `set OPENAI_API_KEY, or sign in once: ${codexBinary ?? "codex"} login${env.CODEX_HOME ? "" : " (or set CODEX_HOME to a codex home that is signed in)"}`,
  };
}

export function claudeAuth(env: NodeJS.ProcessEnv, claudeBinary?: string): AuthFinding {
  for (const name of ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"]) {
    if (set(env, name)) return { found: true, detail: `${name} is set` };
  }
  for (const name of ["CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY"]) {
    if (set(env, name) && env[name] !== "0")
      return { found: true, detail: `${name} is set (a cloud provider)` };
  }
  if (set(env, "ANTHROPIC_BASE_URL")) {
    return { found: true, detail: `ANTHROPIC_BASE_URL is set (${env.ANTHROPIC_BASE_URL}), without a key` };
  }
  const dir = env.CLAUDE_CONFIG_DIR || join(homedir(), ".claude");
  const credentials = join(dir, ".credentials.json");
  if (existsSync(credentials)) return { found: true, detail: `signed in (${credentials})` };
  return {
    found: false,
    detail: `no ANTHROPIC_API_KEY, no token, no login in ${dir}${process.platform === "darwin" ? " (a login in the macOS Keychain is not visible here)" : ""}`,
    fix: `set ANTHROPIC_API_KEY, or CLAUDE_CODE_OAUTH_TOKEN from \`${claudeBinary ?? "claude"} setup-token\``,
  };
}
