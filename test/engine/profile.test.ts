import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { configFromEnv, profilesDir } from "../../src/engine/config.js";
import { makeEngine, spawnScript, waitForStatus } from "../helpers/engine-fixture.js";
import { tempDir } from "../helpers/temp.js";

test("a profile is read only inside cwd or the profiles folder; outside, one refusal whether or not a file is there", async () => {
  const profilesDir = tempDir("orch-profiles-");
  const f = makeEngine({ profilesDir });
  const outside = tempDir("orch-outside-");
  writeFileSync(join(outside, "secret.md"), "the secret persona");
  writeFileSync(join(f.cwd, "persona.md"), "You are terse.");
  writeFileSync(join(profilesDir, "reviewer.md"), "You review.");
  symlinkSync("/etc/passwd", join(f.cwd, "passwd.md"));
  symlinkSync(join(outside, "secret.md"), join(f.cwd, "secret-link.md"));
  symlinkSync(join(outside, "missing.md"), join(f.cwd, "dangling.md"));
  symlinkSync(outside, join(f.cwd, "out"));
  mkdirSync(join(f.cwd, "sub"));

  const refusals = [
    "/etc/passwd",
    "/etc/shadow",
    "../../etc/shadow",
    "/no/such/dir/persona.md",
    join(outside, "secret.md"),
    join(outside, "missing.md"),
    relative(f.cwd, join(outside, "secret.md")),
    "passwd.md",
    "secret-link.md",
    "dangling.md",
    "out/secret.md",
    "out/missing.md",
    "sub/../out/secret.md",
    f.cwd,
  ].map((profile) => {
    try {
      spawnScript(f, [], { profile });
      return `${profile}: accepted`;
    } catch (error) {
      return (error as Error).message;
    }
  });
  const expected = `profile: expected a persona file inside cwd (${f.cwd}) or the profiles folder (${profilesDir}, ORCHESTRATOR_PROFILES_DIR)`;
  assert.deepEqual(
    refusals,
    refusals.map(() => expected),
  );

  assert.throws(() => spawnScript(f, [], { profile: "sub/missing.md" }), {
    message: /^profile: cannot read persona file .*sub\/missing\.md: ENOENT$/,
  });

  for (const profile of ["persona.md", join(f.cwd, "persona.md"), join(profilesDir, "reviewer.md")]) {
    const run = spawnScript(f, [], { profile });
    assert.equal(await waitForStatus(f.engine, run.run_id, ["completed"]), "completed");
  }
  assert.deepEqual(
    f.backend.started.map((spec) => spec.profile_text),
    ["You are terse.", "You are terse.", "You review."],
  );
  await f.engine.shutdown();
});

test("the profiles folder is ORCHESTRATOR_PROFILES_DIR, else <home>/profiles", () => {
  assert.equal(profilesDir(configFromEnv({ ORCHESTRATOR_PROFILES_DIR: "/srv/personas" })), "/srv/personas");
  assert.equal(profilesDir(configFromEnv({ ORCHESTRATOR_HOME: "/h" })), "/h/profiles");
});
