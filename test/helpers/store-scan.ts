/**
 * Raw reads of what a server left on disk, bypassing the store's own readers: the crash test judges the files
 * themselves, not the code that wrote them.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "../../src/events/types.js";

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else found.push(path);
  }
  return found;
}

/** Parses every *.json file under `roots`; fails naming each one that does not parse. */
export function assertJsonFilesParse(roots: string[]): void {
  const files = roots.flatMap(filesUnder).filter((path) => path.endsWith(".json"));
  const broken = files.flatMap((path) => {
    try {
      JSON.parse(readFileSync(path, "utf8"));
      return [];
    } catch (error) {
      return [`${path}: ${(error as Error).message}`];
    }
  });
  assert.deepEqual(broken, [], "every JSON file parses");
}

/** Temporary files of atomic writes that a kill left behind (harmless, but they are never cleaned up). */
export const strayTempFiles = (roots: string[]): string[] =>
  roots.flatMap(filesUnder).filter((path) => path.endsWith(".tmp"));

/**
 * The complete lines of an events.jsonl, each parsed and numbered 1..n with no gap and no repeat, and whether a
 * torn last line (no newline yet) follows them. A missing or empty log has no lines.
 */
export function readEventLines(path: string): { events: RunEvent[]; tornTail: boolean } {
  if (!existsSync(path)) return { events: [], tornTail: false };
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const tail = lines.pop();
  const events = lines.map((line, i) => {
    let event: RunEvent;
    try {
      event = JSON.parse(line) as RunEvent;
    } catch (error) {
      assert.fail(`${path}: line ${i + 1} does not parse: ${(error as Error).message}`);
    }
    assert.equal(event.seq, i + 1, `${path}: line ${i + 1} holds seq ${event.seq}`);
    return event;
  });
  return { events, tornTail: tail !== "" };
}

/** events.jsonl as a reader must find it once its run has ended: complete lines only. */
export function readEventLog(path: string): RunEvent[] {
  const { events, tornTail } = readEventLines(path);
  assert.ok(!tornTail, `${path}: the last line is torn (no newline at the end)`);
  return events;
}

export interface ArtifactDir {
  seq: number;
  type: string;
  hasManifest: boolean;
}

/** The artifact folders of a run (`<seq>-<type>`), whether or not an event refers to them. */
export function artifactDirs(runDir: string): ArtifactDir[] {
  const root = join(runDir, "artifacts");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => statSync(join(root, name)).isDirectory())
    .map((name) => {
      const match = /^(\d{6})-([a-z_]+)$/.exec(name);
      assert.ok(match, `${root}: unexpected artifact folder ${name}`);
      return {
        seq: Number(match[1]),
        type: match[2] as string,
        hasManifest: existsSync(join(root, name, "manifest.json")),
      };
    });
}

/** Run folders under a store, each with its run.json parsed when there is one. */
export function runDirs(
  runsRoot: string,
): { runId: string; dir: string; record?: Record<string, unknown> }[] {
  if (!existsSync(runsRoot)) return [];
  return readdirSync(runsRoot).map((runId) => {
    const dir = join(runsRoot, runId);
    const file = join(dir, "run.json");
    return existsSync(file)
      ? { runId, dir, record: JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> }
      : { runId, dir };
  });
}

export const readJson = <T = Record<string, unknown>>(path: string): T | undefined =>
  existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
