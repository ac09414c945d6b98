import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import type { RunEvent } from "../../src/events/types.js";
import { readJsonIfExists, writeJsonAtomic } from "../../src/store/atomic-file.js";
import { EventLogWriter, lastSeq, readEvents } from "../../src/store/event-log.js";
import { eventsFile, runDir } from "../../src/store/paths.js";
import { tempDir } from "../helpers/temp.js";

const event = (seq: number, text = `event ${seq}`): RunEvent => ({
  seq,
  ts: new Date(0).toISOString(),
  run_id: "run_t",
  session_id: "ses_t",
  backend: "codex",
  type: "agent_message",
  data: { text },
});

test("appended events read back by seq, paged by count and bytes", () => {
  const path = eventsFile(tempDir(), "run_1");
  const writer = EventLogWriter.open(path);
  for (let seq = 1; seq <= 500; seq++) writer.append(event(seq, "é".repeat(seq % 7)));
  assert.equal(writer.lastSeq, 500);
  const page = readEvents(path, 100, 50, Number.POSITIVE_INFINITY);
  assert.deepEqual(
    page.events.map((e) => e.seq),
    Array.from({ length: 50 }, (_, i) => 101 + i),
  );
  assert.equal(page.has_more, true);
  assert.equal(page.last_seq, 500);
  const capped = readEvents(path, 0, 1000, 1000);
  const bytes = capped.events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
  assert.ok(bytes <= 1000 && capped.events.length > 1);
  assert.equal(readEvents(path, 0, 10, 1).events.length, 1, "one event always fits, however small the cap");
  assert.deepEqual(readEvents(path, 500, 10, 1e9), { events: [], last_seq: 500, has_more: false });
  writer.close();
});

test("a torn last line is ignored on read and cut off by the next writer", () => {
  const path = eventsFile(tempDir(), "run_1");
  const writer = EventLogWriter.open(path);
  for (let seq = 1; seq <= 3; seq++) writer.append(event(seq));
  writer.close();
  appendFileSync(path, '{"seq":4,"ts":"2026-');
  assert.equal(lastSeq(path), 3);
  assert.deepEqual(
    readEvents(path, 0, 10, 1e9).events.map((e) => e.seq),
    [1, 2, 3],
  );
  const again = EventLogWriter.open(path);
  assert.equal(again.lastSeq, 3);
  again.append(event(4));
  again.close();
  const lines = readFileSync(path, "utf8").split("\n");
  assert.equal(lines.at(-1), "");
  assert.deepEqual(
    lines.slice(0, -1).map((l) => JSON.parse(l).seq),
    [1, 2, 3, 4],
  );
});

test("a reader follows a log appended by another process without rescanning it", () => {
  const path = eventsFile(tempDir(), "run_1");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(event(1))}\n`);
  assert.equal(lastSeq(path), 1);
  appendFileSync(path, `${JSON.stringify(event(2))}\n${JSON.stringify(event(3))}\n{"seq":4`);
  assert.equal(lastSeq(path), 3);
  assert.equal(readEvents(path, 2, 10, 1e9).events[0]?.seq, 3);
  appendFileSync(path, `${JSON.stringify(event(4)).slice(8)}\n`);
  assert.equal(lastSeq(path), 4);
  assert.equal(readEvents(path, 3, 10, 1e9).events[0]?.data.text, "event 4");
});

test("atomic JSON writes leave no temp files and replace the whole file", () => {
  const dir = runDir(tempDir(), "run_1");
  const path = join(dir, "run.json");
  for (let i = 0; i < 20; i++) writeJsonAtomic(path, { i, pad: "x".repeat(i * 100) });
  assert.deepEqual(readJsonIfExists(path), { i: 19, pad: "x".repeat(1900) });
  assert.deepEqual(readdirSync(dir), ["run.json"]);
  assert.equal(readJsonIfExists(join(dir, "missing.json")), undefined);
});
