/**
 * Seeded plans for the crash stress test: the scripts that runs play on the scripted backend (bursts of small
 * events mixed with fields big enough to become artifacts), where the server gets SIGKILLed, and the events each
 * script must leave in a run's log.
 */
import type { AgentEvent } from "../../src/events/types.js";
import type { Step } from "./scripted-backend.js";

/** When the kill lands: during spawn_run, right after it answered, once polls saw K events, or at a random time. */
export type KillMode = "spawning" | "spawned" | "polled" | "timed";

export interface RunPlan {
  /** Names the run in its metadata, so a run whose spawn_run never answered is still matched to its plan. */
  slot: string;
  /** The backend conversation id the script binds first thing. */
  thread: string;
  script: Step[];
  resumeScript: Step[];
}

export interface KillPlan {
  mode: KillMode;
  /** Milliseconds to wait before the kill, counted from the moment `mode` names. */
  delayMs: number;
  /** For "polled": events (of all runs) polls must have returned before the delay starts. */
  afterPolled: number;
}

export interface IterationPlan {
  kill: KillPlan;
  runs: RunPlan[];
  /** The `limit` artifacts are paged back with. */
  pageBytes: number;
}

/** Over the sanitizer's 4 KiB field limit: each such text moves to an artifact. */
const BIG_FIELD = 4097;

const int = (rand: () => number, min: number, max: number): number =>
  min + Math.floor(rand() * (max - min + 1));

export function planIteration(
  rand: () => number,
  iteration: number,
  runsPerIteration: number,
): IterationPlan {
  const runs = Array.from({ length: runsPerIteration }, (_, r) => {
    const slot = `i${iteration}-r${r}`;
    return { slot, ...makeScripts(rand, `thread-${slot}`) };
  });
  const kill = planKill(rand, Math.min(...runs.map((run) => scriptEvents(run.script).length)));
  return { kill, runs, pageBytes: int(rand, 4096, 65_536) };
}

function planKill(rand: () => number, shortestRun: number): KillPlan {
  const pick = rand();
  const mode: KillMode = pick < 0.15 ? "spawning" : pick < 0.25 ? "spawned" : pick < 0.7 ? "polled" : "timed";
  const delayMs = {
    spawning: int(rand, 0, 30),
    spawned: int(rand, 0, 3),
    polled: int(rand, 0, 10),
    timed: int(rand, 10, 600),
  }[mode];
  // Polls lag well behind a run's writes: a count early in the shortest run keeps every run still writing.
  return { mode, delayMs, afterPolled: int(rand, 1, Math.floor(shortestRun * 0.3)) };
}

function makeScripts(rand: () => number, thread: string): Omit<RunPlan, "slot"> {
  // Binding the backend session comes first, as a real backend reports its thread before any item.
  const script: Step[] = [{ session: thread }];
  // Long enough that no kill plan outlasts it whatever the machine's speed (a script replays whole only when a
  // kill beat the session binding, which is rare).
  const segments = int(rand, 30, 45);
  for (let s = 0; s < segments; s++) {
    const pick = rand();
    if (pick < 0.55) script.push({ burst: int(rand, 50, 500), bytes: int(rand, 8, 600) });
    else if (pick < 0.9) script.push({ burst: int(rand, 2, 12), bytes: int(rand, BIG_FIELD, 24_000) });
    else script.push({ emit: bigEvent(rand) });
  }
  return {
    thread,
    script,
    resumeScript: [{ emit: { type: "agent_message", data: { text: `resumed ${thread}` } } }],
  };
}

/** Events whose big fields are multi-byte, nested, or many at once (so whole fields move to fit the event). */
function bigEvent(rand: () => number): AgentEvent {
  const pick = int(rand, 0, 3);
  if (pick === 0) {
    return {
      type: "command_finished",
      data: {
        command: "cat build.log",
        exit_code: int(rand, 0, 2),
        stdout: "é".repeat(int(rand, 2100, 6000)),
        stderr: "warn ✓ ".repeat(int(rand, 600, 1500)),
      },
    };
  }
  if (pick === 1) {
    return {
      type: "tool_finished",
      data: {
        tool: "read_file",
        output: { path: "src/a.ts", content: "line\n".repeat(int(rand, 900, 3000)) },
      },
    };
  }
  if (pick === 2) return { type: "agent_message", data: { text: "🚀".repeat(int(rand, 1100, 3000)) } };
  const fields = Object.fromEntries(
    Array.from({ length: int(rand, 5, 8) }, (_, i) => [`part_${i}`, "u".repeat(int(rand, 2500, 4000))]),
  );
  return { type: "usage_updated", data: fields };
}

/** What a script yields, in order: as ScriptedBackend plays it (a burst's text is `${i} ` and `bytes` x's). */
export function scriptEvents(script: Step[]): AgentEvent[] {
  const events: AgentEvent[] = [];
  for (const step of script) {
    if ("emit" in step) events.push(step.emit);
    else if ("burst" in step) {
      const text = "x".repeat(step.bytes ?? 16);
      for (let i = 0; i < step.burst; i++)
        events.push({ type: "agent_message", data: { text: `${i} ${text}` } });
    }
  }
  return events;
}
