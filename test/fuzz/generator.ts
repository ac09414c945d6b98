/** Generates hostile MCP tool calls from a seeded PRNG (see test/e2e/fuzz.test.ts). */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

export const TOOLS = [
  "spawn_run",
  "get_run",
  "poll_events",
  "cancel_run",
  "continue_run",
  "list_runs",
  "get_event_artifact",
] as const;

export interface FuzzContext {
  /** A completed run stored in `cwd`, with an artifact at `artifactSeq` / `/stdout`. */
  runId: string;
  sessionId: string;
  artifactSeq: number;
  /** The temp directory holding the stored run. */
  cwd: string;
  /** The server process's working directory (relative paths resolve there). */
  serverCwd: string;
  /** A unique name part, so any file a traversal attempt created can be found. */
  marker: string;
}

export interface FuzzCall {
  tool: string;
  args: unknown;
}

/** Agent URLs that never leave loopback (or are not URLs at all). */
export const SAFE_AGENT_URLS = [
  "http://127.0.0.1:9",
  "http://127.0.0.1:9/",
  "http://[::1]:9/a2a",
  "http://127.0.0.1:9/../../etc/passwd",
  "ftp://127.0.0.1:9",
  "file:///etc/passwd",
  "not a url",
  "http://",
  "",
];

const UNICODE = [
  "\ud800",
  "\udfff",
  "a\udc00b\ud83d",
  "\u202eevil\u202c",
  "مرحبا بالعالم",
  "🚀👨‍👩‍👧‍👦🏳️‍🌈",
  "e\u0301\u0301\u0301\u0301",
  "Z̴̡̛̗͍a̸̧̛l̶g̵o",
  "\u0000",
  "\ufeff",
  "\u2028\u2029",
  "\uffff\ufffe",
  "𝕳𝖊𝖑𝖑𝖔",
  "\u200b\u200d",
  "%00",
  "\r\n\t\v\f",
];

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  2,
  3,
  4,
  1.5,
  -1.5,
  0.1,
  1e-300,
  2 ** 31,
  2 ** 32,
  -(2 ** 31),
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  // JSON.stringify sends these as null.
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

const NUMERIC_STRINGS = [
  "1",
  "-1",
  "1e3",
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  " 7 ",
  "1_000",
  "",
  "null",
];

export function makeGenerator(rand: () => number, ctx: FuzzContext) {
  let hugeLeft = 8; // ~1 MiB strings (the rest stay at most 64 KiB)
  let deepLeft = 40; // nestings of thousands
  let spawnsLeft = 60; // valid remote_a2a spawns (each makes a run in cwd)
  const traversals = new Set<string>();

  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const chance = (p: number) => rand() < p;

  const traversal = (): string => {
    const m = `fuzz-pwn-${ctx.marker}-${int(1000)}`;
    const forms = [
      `../${m}`,
      `../../../../../../${m}`,
      `/tmp/../${m}`,
      `/tmp/${m}`,
      `/${m}`,
      `${ctx.cwd}/../${m}`,
      `${ctx.cwd}/.nanobot-orchestrator/../../${m}`,
      `..\\..\\${m}`,
      `C:\\Windows\\${m}`,
      `%2e%2e%2f${m}`,
      `%2e%2e/%2e%2e/${m}`,
      `..%2f..%2f${m}`,
      `..%252f${m}`,
      `ok\u0000/../../${m}`,
      `${m}\u0000.json`,
      `./${m}/./../../${m}`,
      `~/${m}`,
      `file:///tmp/${m}`,
      `\\\\server\\share\\${m}`,
      `/proc/self/cwd/../${m}`,
      `....//....//${m}`,
      `..;/${m}`,
      `/dev/null/${m}`,
      `${m}/${"../".repeat(50)}`,
    ];
    const s = pick(forms);
    traversals.add(s);
    return s;
  };

  const hugeString = (): string => {
    if (hugeLeft > 0 && chance(0.1)) {
      hugeLeft--;
      return pick(["x", "é", "🚀", "\ud800", "../"]).repeat(chance(0.5) ? 1_048_577 : 300_000);
    }
    return pick(["a", "ü", "🙂", "/"]).repeat(pick([129, 201, 4_096, 16_385, 65_537]));
  };

  const deep = (depth: number): unknown => {
    let v: unknown = chance(0.5) ? "leaf" : null;
    const asObject = chance(0.5);
    for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
    return v;
  };

  const deepValue = (): unknown => {
    if (deepLeft > 0 && chance(0.3)) {
      deepLeft--;
      return deep(pick([1_000, 2_000, 3_000, 4_000]));
    }
    return deep(int(64));
  };

  const str = (): string => {
    switch (int(6)) {
      case 0:
        return pick(UNICODE);
      case 1:
        return traversal();
      case 2:
        return hugeString();
      case 3:
        return pick(NUMERIC_STRINGS);
      case 4:
        return `${pick(UNICODE)}${pick(["run_", "sess_", "x"])}${pick(UNICODE)}`;
      default:
        return pick([
          "",
          " ",
          "x",
          "worker",
          "__proto__",
          "constructor",
          "toString",
          "run_1",
          "A".repeat(128),
        ]);
    }
  };

  /** A value of any shape, hostile on purpose. */
  const anyValue = (budget = 3): unknown => {
    switch (int(10)) {
      case 0:
        return null;
      case 1:
        return pick([true, false]);
      case 2:
        return pick(NUMBERS);
      case 3:
      case 4:
        return str();
      case 5:
        return budget > 0 ? Array.from({ length: int(4) }, () => anyValue(budget - 1)) : [];
      case 6:
        return budget > 0 ? randomObject(budget - 1) : {};
      case 7:
        return deepValue();
      case 8:
        return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}');
      default:
        return traversal();
    }
  };

  const randomObject = (budget: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = int(4); i > 0; i--)
      o[chance(0.5) ? str().slice(0, 64) : pick(["x", "type", "a"])] = anyValue(budget);
    return o;
  };

  const id = (): unknown =>
    chance(0.5)
      ? pick([ctx.runId, ctx.runId, ctx.sessionId, "run_does_not_exist", "A".repeat(128), "-", "_"])
      : chance(0.6)
        ? pick([
            traversal(),
            `${ctx.runId}/../${ctx.runId}`,
            `${ctx.runId}\u0000`,
            `${ctx.runId} `,
            ctx.runId.toUpperCase(),
            "A".repeat(129),
            `${ctx.runId}%2f..`,
            pick(UNICODE),
          ])
        : anyValue();

  const num = (valid: readonly number[]): unknown =>
    chance(0.5)
      ? pick(valid)
      : chance(0.7)
        ? pick(NUMBERS)
        : chance(0.5)
          ? pick(NUMERIC_STRINGS)
          : anyValue();

  const path = (): unknown =>
    chance(0.25)
      ? ctx.cwd
      : chance(0.6)
        ? pick([
            traversal(),
            `${ctx.cwd}/${traversal()}`,
            "relative/path",
            ".",
            "",
            "/",
            "/etc",
            "/proc/self",
          ])
        : anyValue();

  const part = (): unknown =>
    pick([
      () => ({ type: "text", text: chance(0.5) ? "hello" : str() }),
      () => ({
        type: "data",
        data: chance(0.5) ? { decision: pick(["allow", "deny", "maybe"]) } : anyValue(),
      }),
      () => ({
        type: "file",
        uri: pick([`file://${traversal()}`, "file:///etc/passwd", traversal(), str()]),
      }),
      () => ({
        type: "file",
        bytes_base64: pick(["aGVsbG8=", "!!!not base64", str()]),
        mime_type: str(),
        name: traversal(),
      }),
      () => ({ type: pick(["image", "", "TEXT", null]), text: "x" }),
      () => anyValue(),
    ])();

  const inputMessage = (): unknown =>
    chance(0.6)
      ? { role: pick(["user", "agent", "system", null, 7]), parts: Array.from({ length: int(4) }, part) }
      : chance(0.5)
        ? { parts: pick(["hi", null, {}, [], deepValue()]) }
        : anyValue();

  const backendConfig = (): unknown =>
    chance(0.6)
      ? {
          agent_url: chance(0.7) ? pick(SAFE_AGENT_URLS) : anyValue(),
          ...(chance(0.3)
            ? { token: "secret-fuzz-token", headers: { Authorization: "Bearer secret-fuzz" } }
            : {}),
          ...(chance(0.3) ? { script: anyValue(), model: str(), sandbox: traversal() } : {}),
        }
      : anyValue();

  /** `value` for a field: often valid-ish, else hostile; sometimes absent (undefined). */
  const field = (valid: () => unknown): unknown => {
    const r = rand();
    if (r < 0.12) return undefined;
    if (r < 0.2) return null;
    if (r < 0.6) return valid();
    return anyValue();
  };

  const build = (spec: Record<string, () => unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, valid] of Object.entries(spec)) {
      const v = field(valid);
      if (v !== undefined) out[k] = v;
    }
    if (chance(0.15))
      for (let i = int(3) + 1; i > 0; i--) out[chance(0.5) ? str().slice(0, 40) : "extra"] = anyValue();
    return out;
  };

  const argsFor = (tool: string): Record<string, unknown> => {
    switch (tool) {
      case "spawn_run":
        return build({
          backend: () =>
            pick(["remote_a2a", "remote_a2a", "codex", "claude_code", "scripted", "CODEX", "gpt"]),
          role: () => pick(["worker", "planner", "r".repeat(201), str()]),
          prompt: () => (chance(0.7) ? "do the thing" : str()),
          input_message: inputMessage,
          cwd: path,
          session_mode: () => pick(["new", "resume", "fork", "NEW"]),
          session_id: id,
          profile: () => pick([traversal(), "/etc/passwd", "persona.md", "/proc/self/environ", str()]),
          output_schema: () =>
            pick([
              { type: "object" },
              { $ref: "#" },
              { $ref: "file:///etc/passwd" },
              "strict",
              deepValue(),
              {},
            ]),
          metadata: () => pick([{ k: "v" }, randomObject(2), { big: "m".repeat(17_000) }, deepValue(), [1]]),
          backend_config: backendConfig,
        });
      case "get_run":
      case "cancel_run":
        return build({ run_id: id });
      case "poll_events":
        return build({
          run_id: id,
          after_seq: () => num([0, 1, 2, 3, 4, 100]),
          limit: () => num([1, 2, 100, 1000, 1001]),
          wait_ms: () => num([0, 1, 10, 50]),
        });
      case "continue_run":
        return build({
          run_id: id,
          prompt: () => (chance(0.7) ? "again" : str()),
          input_message: inputMessage,
        });
      case "list_runs":
        return build({
          status: () =>
            pick(["completed", "failed", "queued", "running", "cancelled", "input_required", "done"]),
          backend: () => pick(["remote_a2a", "scripted", "codex", "x"]),
          role: () => pick(["worker", str()]),
          cwd: path,
          session_id: id,
          limit: () => num([1, 3, 50, 200, 201]),
          cursor: () =>
            pick([
              "not-a-cursor",
              "",
              Buffer.from('{"t":0,"id":"x"}').toString("base64"),
              traversal(),
              str(),
            ]),
        });
      case "get_event_artifact":
        return build({
          run_id: id,
          seq: () => num([ctx.artifactSeq, ctx.artifactSeq, 1, 0, 99]),
          field_path: () =>
            pick([
              "/stdout",
              "/stdout",
              "/nope",
              "stdout",
              "",
              "/",
              "/~1etc~1passwd",
              "/../../etc/passwd",
              traversal(),
            ]),
          offset: () => num([0, 1, 3, 65_536, 10 ** 12]),
          limit: () => num([4, 3, 65_536, 1_000_000, 2]),
        });
      default:
        return chance(0.5) ? randomObject(2) : {};
    }
  };

  /** A deliberately well-formed call, to keep the real paths exercised between the hostile ones. */
  const validCall = (): FuzzCall | undefined => {
    switch (int(5)) {
      case 0:
        return { tool: "get_run", args: { run_id: ctx.runId } };
      case 1:
        return { tool: "poll_events", args: { run_id: ctx.runId, after_seq: int(4), limit: int(5) + 1 } };
      case 2:
        return { tool: "list_runs", args: pick([{}, { cwd: ctx.cwd, limit: 2 }, { status: "completed" }]) };
      case 3:
        return {
          tool: "get_event_artifact",
          args: {
            run_id: ctx.runId,
            seq: ctx.artifactSeq,
            field_path: "/stdout",
            offset: int(100_000),
            limit: 4 + int(70_000),
          },
        };
      default:
        if (spawnsLeft <= 0) return undefined;
        spawnsLeft--;
        return {
          tool: "spawn_run",
          args: {
            backend: "remote_a2a",
            role: pick(["worker", "🚀 reviewer"]),
            cwd: ctx.cwd,
            prompt: pick(["hi", "\ud800"]),
            backend_config: { agent_url: "http://127.0.0.1:9", token: "secret-fuzz-token" },
            metadata: { fuzz: true },
          },
        };
    }
  };

  /** The next call; `makeSafe` keeps it from launching real agent CLIs or writing stores in real directories. */
  const next = (): FuzzCall => {
    if (chance(0.05)) {
      const v = validCall();
      if (v) return v;
    }
    const tool = chance(0.93)
      ? pick(TOOLS)
      : pick([
          "no_such_tool",
          "",
          "spawn_run ",
          "SPAWN_RUN",
          "__proto__",
          "../get_run",
          "get_run\u0000",
          "🚀",
        ]);
    const r = rand();
    const args: unknown =
      r < 0.01
        ? pick([null, [], "string", 7, [{ run_id: ctx.runId }]])
        : r < 0.015
          ? deepValue()
          : argsFor(tool);
    return makeSafe({ tool, args }, ctx, () => {
      spawnsLeft--;
      return spawnsLeft >= 0;
    });
  };

  return { next, traversals };
}

/** Could `p` (or a way a server might decode it) name an existing path? */
function mayExist(p: string, base: string): boolean {
  const variants = new Set([p, p.split("\u0000")[0] ?? "", p.replace(/\\/g, "/")]);
  try {
    variants.add(decodeURIComponent(p));
  } catch {}
  for (const v of variants) {
    if (v.startsWith("file://")) variants.add(v.slice(7));
    if (v.startsWith("~")) return true;
  }
  for (const v of variants) {
    if (v.includes("\u0000")) continue;
    if (existsSync(isAbsolute(v) ? v : resolve(base, v))) return true;
  }
  return false;
}

/**
 * Keeps a spawn from starting a real agent CLI, from reaching beyond loopback and from making a store in a real
 * directory: only remote_a2a with a loopback (or no) agent URL may get an existing cwd, and only the fuzz cwd.
 */
export function makeSafe(call: FuzzCall, ctx: FuzzContext, allowSpawn: () => boolean): FuzzCall {
  if (
    call.tool !== "spawn_run" ||
    typeof call.args !== "object" ||
    call.args === null ||
    Array.isArray(call.args)
  )
    return call;
  const args = { ...(call.args as Record<string, unknown>) };
  const cwd = args.cwd;
  if (typeof cwd !== "string") return call;
  const config = args.backend_config;
  const url =
    typeof config === "object" && config !== null && !Array.isArray(config)
      ? (config as Record<string, unknown>).agent_url
      : undefined;
  const loopback = url === undefined || (typeof url === "string" && SAFE_AGENT_URLS.includes(url));
  const mayRun = args.backend === "remote_a2a" && loopback && cwd === ctx.cwd && allowSpawn();
  if (!mayRun && mayExist(cwd, ctx.serverCwd)) args.cwd = join(ctx.cwd, `no-such-dir-${ctx.marker}`, "x");
  return { tool: call.tool, args };
}
