/** `doctor`: checks what runs need (Node, settings, a writable home, the catalog, both agent binaries, credentials). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../core/errors.js";
import type { EngineConfig } from "../engine/config.js";
import { VERSION } from "../version.js";
import { type AuthFinding, claudeAuth, codexAuth } from "./agent-auth.js";
import { binaryVersion, locateClaude, locateCodex } from "./agent-binaries.js";
import { openEngine } from "./engine.js";
import { columns } from "./format.js";
import { painter, printJson, write } from "./output.js";

/** `fail` breaks runs (doctor exits 1); `warn` may (a credential kept where this cannot see); `skip`: not checked. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  version: string;
  checks: Check[];
}

const MIN_NODE = 20;

export async function doctor(options: { json?: boolean }): Promise<number> {
  const report = await examine(process.env);
  if (options.json) await printJson(report);
  else await write(process.stdout, render(report));
  return report.ok ? 0 : 1;
}

export async function examine(env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  const checks: Check[] = [nodeCheck()];
  const { configFromEnv } = await import("../engine/config.js");
  const settings = settingsCheck(configFromEnv, env);
  checks.push(settings.check);
  // Bad settings do not hide the home: it depends on ORCHESTRATOR_HOME alone.
  const home = settings.config?.home ?? configFromEnv({ ORCHESTRATOR_HOME: env.ORCHESTRATOR_HOME }).home;
  const homeCheck = writableCheck(home);
  checks.push(homeCheck);
  checks.push(
    settings.config && homeCheck.status === "ok"
      ? await catalogCheck(home)
      : { name: "catalog", status: "skip", detail: "not checked: the settings or the home are broken" },
  );
  const [codex, claude] = await Promise.all([
    binaryCheck("codex binary", locateCodex),
    binaryCheck("claude binary", locateClaude),
  ]);
  checks.push(codex.check, claude.check);
  checks.push(authCheck("codex credentials", codexAuth(env, codex.path)));
  checks.push(authCheck("claude credentials", claudeAuth(env, claude.path)));
  return { ok: checks.every((c) => c.status !== "fail"), version: VERSION, checks };
}

function nodeCheck(): Check {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= MIN_NODE
    ? { name: "Node.js", status: "ok", detail: process.versions.node }
    : {
        name: "Node.js",
        status: "fail",
        detail: `${process.versions.node} is too old`,
        fix: `install Node.js ${MIN_NODE} or newer`,
      };
}

function settingsCheck(
  configFromEnv: (env: NodeJS.ProcessEnv) => EngineConfig,
  env: NodeJS.ProcessEnv,
): { check: Check; config?: EngineConfig } {
  try {
    const config = configFromEnv(env);
    const named = Object.keys(env).filter((k) => k.startsWith("ORCHESTRATOR_"));
    const detail = named.length
      ? `valid (${named.sort().join(", ")})`
      : "defaults (no ORCHESTRATOR_* variable set)";
    return { check: { name: "settings", status: "ok", detail }, config };
  } catch (error) {
    return {
      check: {
        name: "settings",
        status: "fail",
        detail: errorMessage(error),
        fix: "correct that variable, or unset it for its default",
      },
    };
  }
}

function writableCheck(home: string): Check {
  const probe = join(home, `.doctor-${process.pid}`);
  try {
    mkdirSync(home, { recursive: true });
    writeFileSync(probe, "ok");
    rmSync(probe, { force: true });
    return { name: "home", status: "ok", detail: `${home} is writable` };
  } catch (error) {
    return {
      name: "home",
      status: "fail",
      detail: `${home} is not writable: ${errorMessage(error)}`,
      fix: "make it a directory you can write, or set ORCHESTRATOR_HOME to one",
    };
  }
}

const corruptCopies = (home: string): string[] =>
  readdirSync(home).filter((name) => name.startsWith("catalog.db.corrupt-") && !/-(wal|shm)$/.test(name));

async function catalogCheck(home: string): Promise<Check> {
  const before = new Set(corruptCopies(home));
  try {
    const engine = await openEngine();
    try {
      const page = engine.listRuns({ limit: 200 });
      const count = `${page.runs.length}${page.next_cursor ? "+" : ""} runs indexed`;
      const setAside = corruptCopies(home).filter((name) => !before.has(name));
      if (setAside.length > 0) {
        return {
          name: "catalog",
          status: "warn",
          detail: `was damaged: kept aside as ${setAside.join(", ")} and rebuilt from the run files (${count})`,
          fix: "nothing to do; `orchestration-mcp reindex DIR` adds directories it did not know",
        };
      }
      return {
        name: "catalog",
        status: "ok",
        detail: `${join(home, "catalog.db")} opens and answers (${count})`,
      };
    } finally {
      await engine.shutdown("doctor ended");
    }
  } catch (error) {
    return {
      name: "catalog",
      status: "fail",
      detail: errorMessage(error),
      fix: /better.sqlite3|NODE_MODULE_VERSION|\.node\b/.test(errorMessage(error))
        ? "rebuild the native module for this Node.js: npm rebuild better-sqlite3"
        : `move ${join(home, "catalog.db")} aside and run: orchestration-mcp reindex`,
    };
  }
}

async function binaryCheck(name: string, locate: () => string): Promise<{ check: Check; path?: string }> {
  let path: string;
  try {
    path = locate();
  } catch (error) {
    return {
      check: {
        name,
        status: "fail",
        detail: `not found: ${errorMessage(error)}`,
        fix: "reinstall with optional dependencies (npm install, without --omit=optional or --no-optional)",
      },
    };
  }
  try {
    return { check: { name, status: "ok", detail: `${await binaryVersion(path)} (${path})` }, path };
  } catch (error) {
    return {
      check: {
        name,
        status: "fail",
        detail: errorMessage(error),
        fix: "reinstall the package (npm install); a binary for another libc or CPU does not start",
      },
      path,
    };
  }
}

const authCheck = (name: string, finding: AuthFinding): Check => ({
  name,
  status: finding.found ? "ok" : "warn",
  detail: finding.detail,
  ...(finding.fix ? { fix: finding.fix } : {}),
});

function render(report: DoctorReport): string {
  const paint = painter(process.stdout);
  const mark = {
    ok: paint("green", "✓"),
    warn: paint("yellow", "!"),
    fail: paint("red", "✗"),
    skip: paint("dim", "-"),
  };
  const rows = columns(report.checks.map((c) => [mark[c.status], c.name, c.detail]));
  const lines = [paint("bold", `orchestration-mcp ${report.version} doctor`)];
  report.checks.forEach((check, i) => {
    lines.push(rows[i] ?? "");
    if (check.fix) lines.push(paint("dim", `    fix: ${check.fix}`));
  });
  const failed = report.checks.filter((c) => c.status === "fail").length;
  const warned = report.checks.filter((c) => c.status === "warn").length;
  const warnings = warned ? ` (${warned} warning${warned > 1 ? "s" : ""})` : "";
  lines.push(
    failed
      ? paint("red", `${failed} essential check${failed > 1 ? "s" : ""} failed${warnings}`)
      : paint("green", `everything essential works${warnings}`),
  );
  return `${lines.join("\n")}\n`;
}
