/**
 * Walks /proc (Linux) to tell which processes a server started: its descendants through the ppid links, and
 * every process tagged with one of a test's run ids (child-env.ts's RUN_TAG; a detached grandchild is re-parented
 * away from the server, so only its tag still ties it to a run). A watcher samples both over and over, so a test
 * knows every process the server ever started, not only the ones alive when it looks.
 *
 * Written apart from src/backends/process-tree.ts on purpose: the test must not check the server's cleanup with
 * the very code that does it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { RUN_TAG } from "../../src/backends/child-env.js";

/** One process as /proc/<pid>/stat shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot: tells a process from a later one that got the same pid. */
  start: number;
  /** One letter: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  comm: string;
}

/** A process a watcher saw, and how it knew the process was the server's. */
export interface SeenProcess extends ProcInfo {
  via: "tree" | "tag";
  /** The run tag's value, when the process carried one. */
  runId?: string;
  /** The start of its command line, for failure messages. */
  cmdline: string;
}

export function procInfo(pid: number): ProcInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: the fields after it start past the last ")".
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  return {
    pid,
    comm: stat.slice(stat.indexOf("(") + 1, close),
    state: fields[0] ?? "?",
    ppid: Number(fields[1]),
    start: Number(fields[19]),
  };
}

/** A zombie has ended; only its parent's wait() is left, so it counts as gone. */
const ended = (info: ProcInfo): boolean => info.state === "Z" || info.state === "X";

/** Every live (non-zombie) process on the machine. */
export function processTable(): ProcInfo[] {
  const table: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const info = procInfo(pid);
    if (info && !ended(info)) table.push(info);
  }
  return table;
}

/** The live descendants of `rootPid` (not the root itself), found through the ppid links. */
export function descendants(rootPid: number, table: ProcInfo[] = processTable()): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const info of table) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info]);
  const found: ProcInfo[] = [];
  const stack = [rootPid];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      stack.push(child.pid);
    }
  }
  return found;
}

/** The value of the run tag in a process's environment, if it has one (and we may read it). */
export function runTagOf(pid: number): string | undefined {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return undefined;
  }
  const prefix = `${RUN_TAG}=`;
  return environ
    .split("\0")
    .find((entry) => entry.startsWith(prefix))
    ?.slice(prefix.length);
}

/** Live processes tagged with one of `runIds`. */
export function tagged(runIds: ReadonlySet<string>, table: ProcInfo[] = processTable()): ProcInfo[] {
  return table.filter((info) => {
    const tag = info.pid === process.pid ? undefined : runTagOf(info.pid);
    return tag !== undefined && runIds.has(tag);
  });
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim().slice(0, 160);
  } catch {
    return "";
  }
}

/** Still the same process (same start time) and not a zombie. */
export function isAlive(info: ProcInfo): boolean {
  const now = procInfo(info.pid);
  return now !== undefined && now.start === info.start && !ended(now);
}

/** One line per process, for assertion messages. */
export const describeProcesses = (seen: SeenProcess[]): string[] =>
  seen.map((p) => `pid ${p.pid} (${p.comm}) via ${p.via}${p.runId ? ` run ${p.runId}` : ""}: ${p.cmdline}`);

/**
 * Records every process the server at `rootPid` starts: its descendants, and the processes tagged with an id in
 * `runIds` (a set the test fills as spawn_run answers). Samples every `intervalMs` and whenever asked.
 */
export class ProcessWatcher {
  private readonly seen = new Map<string, SeenProcess>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly rootPid: number,
    private readonly runIds: ReadonlySet<string>,
    intervalMs = 150,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  sample(): void {
    const table = processTable();
    for (const info of descendants(this.rootPid, table)) this.record(info, "tree");
    for (const info of tagged(this.runIds, table)) this.record(info, "tag");
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Every process seen so far. */
  all(): SeenProcess[] {
    return [...this.seen.values()];
  }

  /** The processes seen so far that still live (after a fresh sample, so none just started is missed). */
  survivors(): SeenProcess[] {
    this.sample();
    return this.all().filter(isAlive);
  }

  private record(info: ProcInfo, via: SeenProcess["via"]): void {
    const key = `${info.pid}:${info.start}`;
    const known = this.seen.get(key);
    // A process seen first through the tree may be tagged only after its exec: keep looking for the tag.
    if (known?.runId !== undefined) return;
    const runId = runTagOf(info.pid);
    this.seen.set(key, {
      ...info,
      via: known?.via ?? via,
      cmdline: cmdlineOf(info.pid) || known?.cmdline || "",
      ...(runId !== undefined ? { runId } : {}),
    });
  }
}
