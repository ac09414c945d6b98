/** Who hosts a live run: a pid and that process's start time, so a recycled pid is not taken for it. */
import { readFileSync } from "node:fs";
import type { HostProcess } from "../core/run.js";

/** Start time of a process as the kernel records it (clock ticks since boot), or "" where /proc is absent. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return process.platform === "linux" ? undefined : "";
  }
}

let self: HostProcess | undefined;

export function currentHost(): HostProcess {
  self ??= { pid: process.pid, start_time: processStartTime(process.pid) ?? "" };
  return self;
}

export const isCurrentHost = (host: HostProcess): boolean =>
  host.pid === currentHost().pid && host.start_time === currentHost().start_time;

/** True while the process that wrote `host` still runs. */
export function isHostAlive(host: HostProcess): boolean {
  if (isCurrentHost(host)) return true;
  try {
    process.kill(host.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const startTime = processStartTime(host.pid);
  return startTime === undefined ? false : startTime === "" || startTime === host.start_time;
}
