/**
 * What an agent writes cannot take over the terminal of the person who reads its run: `runs show`, `runs tail`
 * and `runs list` show control characters and escape sequences visibly, `--json` keeps the exact strings, and
 * `artifact get` is exact when redirected but escaped on a terminal unless `--raw`.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import { artifactGet } from "../../src/cli/artifact-get.js";
import { safeLine, safeText, terminalJson } from "../../src/cli/terminal-safe.js";
import { cli } from "../helpers/cli.js";
import { type Fixture, makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

/** Retitles the terminal, overwrites the command with `\r`, clears and climbs lines, backspaces, C1 CSI, RLO. */
const HOSTILE =
  "\x1b]0;pwned\x07rm -rf ~/important\rtouch harmless.txt\x1b[2K\x1b[1A\b\b\u009b2J \u202eevil\u202c \u2066x\u2069";
/** How the dangerous part reads once made visible. */
const SHOWN = "rm -rf ~/important\\rtouch harmless.txt\\x1b[2K\\x1b[1A\\b\\b\\x9b2J";
const ROLE = "rev\x1b]0;role\x07iewer\u202e";
const BIG_KEY = "out\u009b2J\u202e";
const big = `${HOSTILE}\n`.repeat(200);

// biome-ignore lint/suspicious/noControlCharactersInRegex: the colour sequences our own output uses
const OUR_COLOURS = /\x1b\[\d+m/g;

/** Every character a terminal could act on or reorder, except the line break. */
const unsafe = (text: string): string[] =>
  [...text.matchAll(/[\p{Cc}\p{Cf}\u2028\u2029]/gu)].map((m) => m[0]).filter((c) => c !== "\n");

function assertSafe(text: string, what: string): void {
  assert.deepEqual(
    unsafe(text).map((c) => `U+${c.codePointAt(0)?.toString(16).padStart(4, "0")}`),
    [],
    `${what} holds raw controls:\n${text}`,
  );
}

const home = tempDir("orch-cli-home-");
const env = { ORCHESTRATOR_HOME: home };
const ids = { done: "", waiting: "", failed: "" };
let f: Fixture;

before(async () => {
  f = makeEngine({}, home, "scripted");
  ids.done = spawnScript(
    f,
    [
      { emit: { type: "agent_message", data: { text: HOSTILE } } },
      { emit: { type: "command_started", data: { command: HOSTILE } } },
      { emit: { type: "command_finished", data: { command: HOSTILE, exit_code: 0, stdout: big } } },
      { emit: { type: "tool_finished", data: { tool: ROLE, is_error: false, [BIG_KEY]: big } } },
      { emit: { type: "run_completed", data: { final_response: HOSTILE } } },
    ],
    { role: ROLE, metadata: { note: HOSTILE } },
  ).run_id;
  await waitForStatus(f.engine, ids.done, ["completed"]);
  ids.waiting = spawnScript(f, [{ ask: { kind: "permission", text: HOSTILE } }], { role: ROLE }).run_id;
  await waitForStatus(f.engine, ids.waiting, ["input_required"]);
  ids.failed = spawnScript(f, [{ throw: HOSTILE }], { role: ROLE }).run_id;
  await waitForStatus(f.engine, ids.failed, ["failed"]);
});

after(async () => {
  await f.engine.shutdown();
});

test("safeText shows controls, escape sequences, C1 and bidi characters as visible escapes", () => {
  assert.equal(safeText("a\rb\x1b]0;t\x07c\bd\x7f"), "a\\rb\\x1b]0;t\\x07c\\bd\\x7f");
  assert.equal(
    safeText("\u009b2J\u202eab\u2066\u2028\ufeff\u{e0041}"),
    "\\x9b2J\\u202eab\\u2066\\u2028\\ufeff\\u{e0041}",
  );
  assert.equal(safeText("one\r\ntwo\n\tthree"), "one\ntwo\n\tthree", "line breaks and tabs stay");
  assert.equal(safeText("\x1b[1;31mred\x1b[0m \u009b4mx\u009bm"), "red x", "colours are dropped");
  assert.equal(safeText("\x1b[1Aup"), "\\x1b[1Aup", "a cursor move is not a colour");
  assert.equal(safeText("\x1b\x1b[mA"), "\\x1bA", "what dropping leaves is escaped too");
  assert.equal(safeText("👨‍👩‍👧 ünï 日本"), "👨‍👩‍👧 ünï 日本", "joined emoji and letters are untouched");
  assert.equal(safeLine(" a\nb\r\n\tc\u2028d "), "a b c\\u2028d");
  assertSafe(safeText(HOSTILE), "safeText");
});

test("terminalJson escapes what JSON.stringify leaves raw, and parses back to the same value", () => {
  const value = { s: HOSTILE, del: "\x7f", tag: "\u{e0041}", zwj: "👨‍👩‍👧", sep: "a\u2028b\u2029" };
  const json = terminalJson(JSON.stringify(value));
  assertSafe(json, "terminalJson");
  assert.deepEqual(JSON.parse(json), value);
  assert.match(json, /\\u009b2J \\u202eevil/);
});

test("runs show prints the run's text visibly, and --json gives the exact strings", async () => {
  for (const id of Object.values(ids)) {
    const { code, stdout } = await cli(["runs", "show", id], env);
    assert.equal(code, 0);
    assertSafe(stdout, `runs show ${id}`);
    assert.match(stdout, /^role\s+rev\\x1b\]0;role\\x07iewer\\u202e$/m);
  }
  const done = (await cli(["runs", "show", ids.done], env)).stdout;
  assert.ok(done.includes(`result\n  \\x1b]0;pwned\\x07${SHOWN}`), done);
  assert.match(done, /^summary\s+\\x1b\]0;pwned\\x07rm -rf ~\/important\\rtouch/m);
  assert.ok(done.includes('"note":"\\u001b]0;pwned\\u0007rm -rf'), "metadata JSON is escaped");
  const waiting = (await cli(["runs", "show", ids.waiting], env)).stdout;
  assert.ok(waiting.includes(`waits for permission\n  \\x1b]0;pwned\\x07${SHOWN}`), waiting);
  const failed = (await cli(["runs", "show", ids.failed], env)).stdout;
  assert.ok(failed.includes(`error backend_error: \\x1b]0;pwned\\x07${SHOWN}`), failed);

  for (const id of Object.values(ids)) {
    const json = (await cli(["runs", "show", id, "--json"], env)).stdout;
    assertSafe(json, `runs show ${id} --json`);
    assert.deepEqual(JSON.parse(json), f.engine.getRun(id));
  }
  const run = JSON.parse((await cli(["runs", "show", ids.done, "--json"], env)).stdout);
  assert.equal(run.role, ROLE);
  assert.equal(run.result.final_response, HOSTILE);
  assert.equal(run.metadata.note, HOSTILE);
});

test("runs tail prints one safe line per event, and --json lines keep the exact text", async () => {
  const { code, stdout } = await cli(["runs", "tail", ids.done, "--from-start"], env);
  assert.equal(code, 0);
  assertSafe(stdout, "runs tail");
  const lines = stdout.trimEnd().split("\n");
  const types = lines.map((line) => line.split(/\s+/)[2]);
  assert.deepEqual(types, [
    "run_started",
    "status_changed",
    "agent_message",
    "command_started",
    "command_finished",
    "tool_finished",
    "run_completed",
  ]);
  const line = (type: string): string => lines[types.indexOf(type)] ?? "";
  assert.match(line("run_started"), /run_started +rev\\x1b\]0;role\\x07iewer\\u202e in /);
  for (const [type, prefix] of [
    ["agent_message", ""],
    ["command_started", "$ "],
    ["command_finished", "$ "],
    ["run_completed", ""],
  ] as const) {
    assert.ok(line(type).includes(` ${prefix}\\x1b]0;pwned\\x07${SHOWN}`), line(type));
  }
  assert.match(
    line("tool_finished"),
    /tool_finished +rev\\x1b\]0;role\\x07iewer\\u202e ok \[artifact: \/out\\x9b2J\\u202e /,
  );

  // Our own colours still work: with them on, the only escape sequences left are ours.
  const coloured = await cli(["runs", "tail", ids.done, "--from-start"], {
    ...env,
    NO_COLOR: "",
    FORCE_COLOR: "1",
  });
  assert.ok(coloured.stdout.includes("\x1b[32mrun_completed"), coloured.stdout);
  const plain = coloured.stdout.replace(OUR_COLOURS, "");
  assertSafe(plain, "runs tail in colour");
  assert.equal(plain, stdout);

  const waiting = await cli(["runs", "tail", ids.waiting], env);
  assert.equal(waiting.code, 3);
  assertSafe(waiting.stdout, "runs tail of a waiting run");
  assert.ok(waiting.stdout.includes(`waits for permission: \\x1b]0;pwned\\x07${SHOWN}`), waiting.stdout);

  const json = await cli(["runs", "tail", ids.done, "--from-start", "--json"], env);
  assertSafe(json.stdout, "runs tail --json");
  const events = json.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(events.length, 7);
  assert.equal(events[0].data.role, ROLE);
  assert.equal(events[2].data.text, HOSTILE);
  assert.equal(events[3].data.command, HOSTILE);
  assert.equal(events[6].data.final_response, HOSTILE);
});

test("runs list keeps each run on its own row, with its role and summary visible", async () => {
  const { code, stdout } = await cli(["runs", "list"], env);
  assert.equal(code, 0);
  assertSafe(stdout, "runs list");
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, 4);
  for (const line of lines.slice(1)) assert.match(line, /rev\\x1b\]0;role\\x07iewer\\u202e/);
  assert.ok(lines.every((line) => !line.includes("\x1b")));
  assert.match(stdout, /rm -rf ~\/important\\rtouch harmless\.txt/);
  const json = (await cli(["runs", "list", "--json"], env)).stdout;
  assertSafe(json, "runs list --json");
  assert.deepEqual(
    JSON.parse(json).runs.map((r: { role: string }) => r.role),
    [ROLE, ROLE, ROLE],
  );
});

test("an error that quotes run data is printed safely", async () => {
  const { code, stderr } = await cli(["artifact", "get", ids.done, "6", "/missing"], env);
  assert.equal(code, 1);
  assertSafe(stderr, "the error");
  assert.match(stderr, /^error: not_found: field_path: no artifact at .*available: "\/out\\x9b2J\\u202e"$/m);
});

test("artifact get is exact when redirected, escaped on a terminal, exact there with --raw", async () => {
  const piped = await cli(["artifact", "get", ids.done, "5", "/stdout"], env);
  assert.equal(piped.code, 0);
  assert.ok(piped.raw.equals(Buffer.from(big, "utf8")), "redirected output is byte for byte");

  const onTerminal = async (options: { raw?: boolean }): Promise<string> => {
    const tty = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream;
    let text = "";
    (tty as unknown as PassThrough).on("data", (chunk: Buffer) => {
      text += String(chunk);
    });
    assert.equal(await artifactGet(f.engine, ids.done, 5, "/stdout", options, tty), 0);
    return text;
  };
  const shown = await onTerminal({});
  assertSafe(shown, "artifact get on a terminal");
  assert.equal(shown, safeText(big));
  assert.equal(shown.split("\n").length, big.split("\n").length);
  assert.equal(await onTerminal({ raw: true }), big);
});
