/**
 * Claude Code's file tools cannot write the run store, in any permission mode: the real SDK and binary against
 * the fake Messages server call Write into `.nanobot-orchestrator/` and elsewhere in the cwd. Bash is not held
 * (only Claude Code's own sandbox would), which the last test pins down.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type ClaudeFixture, claudeFixture } from "../helpers/claude-fixture.js";
import { allEvents, waitForStatus } from "../helpers/engine-fixture.js";

let f: ClaudeFixture;
before(async () => {
  f = await claudeFixture();
});
after(async () => {
  await f.close();
});

const ENDED = ["completed", "failed", "cancelled"] as const;

/** Runs one Write of `path` (relative to cwd) and returns the fake model's final words. */
async function write(path: string, backend_config: Record<string, unknown>): Promise<string> {
  const run = f.spawn(`[[write:${join(f.cwd, path)}:written]]`, { backend_config });
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  const events = await allEvents(f.engine, run.run_id);
  assert.equal(
    events.find((e) => e.type === "input_required"),
    undefined,
    "nobody was asked",
  );
  return f.engine.getRun(run.run_id).result?.final_response ?? "";
}

const MODES: Record<string, Record<string, unknown>> = {
  "default, permissions allowed": { permission_mode: "default", on_permission: "allow" },
  acceptEdits: { permission_mode: "acceptEdits" },
  bypassPermissions: { permission_mode: "bypassPermissions" },
};

for (const [name, config] of Object.entries(MODES)) {
  test(`${name}: Write into the store is denied, Write elsewhere in cwd works`, async () => {
    const slug = name.replace(/\W+/g, "-");
    assert.match(await write(`.nanobot-orchestrator/${slug}.txt`, config), /^write was denied/);
    assert.equal(existsSync(join(f.cwd, `.nanobot-orchestrator/${slug}.txt`)), false);
    assert.match(await write(`notes/${slug}.txt`, config), /^write succeeded/);
    assert.equal(readFileSync(join(f.cwd, `notes/${slug}.txt`), "utf8"), "written");
  });
}

test("the store is denied before anyone is asked, and the caller's own disallowed tools still hold", async () => {
  const config = { disallowed_tools: ["Edit(./private/**)"] };
  assert.match(await write(".nanobot-orchestrator/asked.txt", config), /^write was denied/);
  const accept = { ...config, permission_mode: "acceptEdits" };
  assert.match(await write("private/secret.txt", accept), /^write was denied/);
  assert.equal(existsSync(join(f.cwd, "private/secret.txt")), false);
});

test("what remains: Bash can still write the store (only Claude Code's sandbox would stop it)", async () => {
  // A plain `echo x > .nanobot-orchestrator/f` is refused by Claude Code's own reading of the command; a program
  // that opens the file itself is not.
  const script = `require('fs').writeFileSync('.nanobot-orchestrator/from-bash', 'x')`;
  const run = f.spawn(`[[bash:node -e "${script}"]]`, {
    backend_config: { permission_mode: "bypassPermissions" },
  });
  assert.equal(await waitForStatus(f.engine, run.run_id, [...ENDED], 60_000), "completed");
  assert.equal(readFileSync(join(f.cwd, ".nanobot-orchestrator/from-bash"), "utf8"), "x");
});
