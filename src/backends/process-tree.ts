/**
 * Ends every process of a run. Processes are found by the run tag in their environment (see child-env.ts), so
 * grandchildren that were re-parented or put in their own process group are found too. Linux reads /proc.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { RUN_TAG } from "./child-env.js";

/** Pids of live processes carrying `RUN_TAG=runId`. */
export function taggedProcesses(runId: string): number[] {
  const needle = Buffer.from(`\0${RUN_TAG}=${runId}\0`);
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      // environ has no leading NUL: prefix one so the first variable matches as well.
      const environ = Buffer.concat([Buffer.from("\0"), readFileSync(`/proc/${pid}/environ`)]);
      if (environ.includes(needle) && !isZombie(pid)) pids.push(pid);
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return pids;
}

function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}

function signal(pids: number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  }
}

/**
 * SIGTERM every process of the run, then SIGKILL what is left after `graceMs`. Resolves when none is left. The
 * grace is short on purpose: every process of the run is in the set, so none needs time to reap its children
 * (the claude CLI spends over a second walking its tree with ps on SIGTERM).
 */
export async function endRunProcesses(runId: string, graceMs = 500): Promise<void> {
  let pids = taggedProcesses(runId);
  if (pids.length === 0) return;
  signal(pids, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(50);
    pids = taggedProcesses(runId);
    if (pids.length === 0) return;
  }
  for (let round = 0; round < 20 && pids.length > 0; round++) {
    signal(pids, "SIGKILL");
    await sleep(50);
    pids = taggedProcesses(runId);
  }
}
