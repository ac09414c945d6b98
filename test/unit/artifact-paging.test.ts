import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { OrchestratorError } from "../../src/core/errors.js";
import { artifactDirName, CHUNK_BYTES, readArtifactPage, writeArtifacts } from "../../src/store/artifacts.js";
import { runDir } from "../../src/store/paths.js";
import { prng } from "../helpers/prng.js";
import { tempDir } from "../helpers/temp.js";

const newRunDir = (): string => runDir(tempDir("artifact-test-"), "run_1");

/** 1-, 2-, 3- and 4-byte characters, combining marks and emoji sequences. */
const CHARS = [
  "a",
  "Z",
  " ",
  "\n",
  "é",
  "ß",
  "Ж",
  "日",
  "語",
  "한",
  "€",
  "e\u0301",
  "o\u0308",
  "😀",
  "🚀",
  "👍🏽",
  "𝄞",
];

function randomText(rand: () => number, bytes: number): string {
  // Skewed weights per text, so some are mostly ASCII and some mostly emoji or CJK.
  const weights = CHARS.map(() => rand() ** 2);
  const total = weights.reduce((a, b) => a + b, 0);
  const parts: string[] = [];
  for (let length = 0; length < bytes; ) {
    let r = rand() * total;
    let i = 0;
    while (i < CHARS.length - 1 && r >= (weights[i] ?? 0)) r -= weights[i++] ?? 0;
    const char = CHARS[i] ?? "a";
    parts.push(char);
    length += Buffer.byteLength(char);
  }
  return parts.join("");
}

const CONTINUATION = (byte: number): boolean => (byte & 0xc0) === 0x80;

/** Follows next_offset to the end, checking every page on the way. */
function readAll(runDir: string, seq: number, type: string, path: string, limit: number): string {
  const pages: string[] = [];
  let offset = 0;
  for (;;) {
    const page = readArtifactPage(runDir, seq, type, path, offset, limit);
    assert.equal(page.offset, offset);
    assert.ok(page.returned_bytes <= limit);
    assert.equal(Buffer.byteLength(page.content), page.returned_bytes);
    assert.equal(page.next_offset, page.offset + page.returned_bytes);
    assert.equal(page.has_more, page.next_offset < page.total_bytes);
    assert.ok(!page.content.includes("\ufffd"), `page at ${offset} splits a character`);
    if (page.has_more) assert.ok(page.returned_bytes > 0, `no progress at ${offset}`);
    pages.push(page.content);
    if (!page.has_more) return pages.join("");
    offset = page.next_offset;
  }
}

function assertError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof OrchestratorError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("artifacts", () => {
  test("directory names pad the seq and refuse what could escape the run directory", () => {
    assert.equal(artifactDirName(42, "command_finished"), "000042-command_finished");
    assert.equal(artifactDirName(1234567, "agent_message"), "1234567-agent_message");
    assertError(() => artifactDirName(0, "agent_message"), "invalid_input", /seq/);
    assertError(() => artifactDirName(1.5, "agent_message"), "invalid_input", /seq/);
    assertError(() => artifactDirName(1, "../x"), "invalid_input", /type/);
    assertError(() => readArtifactPage(newRunDir(), 1, "A/..", "/x", 0, 10), "invalid_input", /type/);
  });

  test("several fields round-trip, with chunks of at most 1 MiB and a manifest", () => {
    const runDir = newRunDir();
    const stdout = "x".repeat(CHUNK_BYTES * 2 + 5);
    const json = JSON.stringify({ changes: ["ü".repeat(1000)] });
    writeArtifacts(runDir, 7, "command_finished", [
      { field_path: "/stdout", content: stdout, mime_type: "text/plain" },
      { field_path: "/changes", content: json, mime_type: "application/json" },
      { field_path: "/empty", content: "", mime_type: "text/plain" },
    ]);
    const dir = join(runDir, "artifacts", "000007-command_finished");
    assert.deepEqual(readdirSync(dir).sort(), [
      "f0-000.chunk",
      "f0-001.chunk",
      "f0-002.chunk",
      "f1-000.chunk",
      "manifest.json",
    ]);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    assert.deepEqual(manifest.fields[0], {
      field_path: "/stdout",
      total_bytes: stdout.length,
      mime_type: "text/plain",
      encoding: "utf-8",
      chunks: [
        { file: "f0-000.chunk", bytes: CHUNK_BYTES },
        { file: "f0-001.chunk", bytes: CHUNK_BYTES },
        { file: "f0-002.chunk", bytes: 5 },
      ],
    });
    assert.equal(readAll(runDir, 7, "command_finished", "/stdout", 300_000), stdout);
    assert.equal(readAll(runDir, 7, "command_finished", "/changes", 65536), json);
    const { content, ...page } = readArtifactPage(runDir, 7, "command_finished", "/changes", 0, 65536);
    assert.equal(content, json);
    const bytes = Buffer.byteLength(json);
    assert.deepEqual(page, {
      total_bytes: bytes,
      offset: 0,
      returned_bytes: bytes,
      next_offset: bytes,
      has_more: false,
      mime_type: "application/json",
      encoding: "utf-8",
    });
    assert.equal(readAll(runDir, 7, "command_finished", "/empty", 4), "");
  });

  test("fuzz: any limit of 4 or more pages any text back exactly", () => {
    const limits = [4, 5, 7, 13, 64, 1000, 65537, CHUNK_BYTES - 1, CHUNK_BYTES + 3];
    const runDir = newRunDir();
    for (let seed = 1; seed <= 40; seed++) {
      const rand = prng(seed);
      const size = rand() < 0.2 ? Math.floor(rand() * 3.2 * CHUNK_BYTES) : Math.floor(rand() ** 2 * 5000);
      const text = randomText(rand, size);
      writeArtifacts(runDir, seed, "agent_message", [
        { field_path: "/text", content: text, mime_type: "text/plain" },
      ]);
      const bytes = Buffer.byteLength(text);
      // Small limits on megabytes would take millions of pages: they get the small texts.
      const usable = limits.filter((limit) => bytes / limit < 20_000);
      const limit = usable[Math.floor(rand() * usable.length)] ?? CHUNK_BYTES;
      try {
        assert.equal(readAll(runDir, seed, "agent_message", "/text", limit), text);
      } catch (error) {
        (error as Error).message =
          `seed ${seed}, ${bytes} bytes, limit ${limit}: ${(error as Error).message}`;
        throw error;
      }
    }
  });

  test("small pages across chunk boundaries stay whole and contiguous", () => {
    const runDir = newRunDir();
    const text = randomText(prng(99), Math.floor(2.5 * CHUNK_BYTES));
    writeArtifacts(runDir, 2, "agent_message", [
      { field_path: "/text", content: text, mime_type: "text/plain" },
    ]);
    const bytes = Buffer.from(text);
    for (const boundary of [CHUNK_BYTES, 2 * CHUNK_BYTES]) {
      for (const limit of [4, 5, 7, 13]) {
        let offset = boundary - 3 * limit;
        const first = readArtifactPage(runDir, 2, "agent_message", "/text", offset, limit).offset;
        const pages: string[] = [];
        for (offset = first; offset < boundary + 3 * limit; ) {
          const page = readArtifactPage(runDir, 2, "agent_message", "/text", offset, limit);
          assert.equal(page.offset, offset);
          assert.ok(page.returned_bytes > 0 && page.returned_bytes <= limit);
          pages.push(page.content);
          offset = page.next_offset;
        }
        assert.equal(pages.join(""), bytes.subarray(first, offset).toString("utf8"));
        assert.ok(!pages.join("").includes("\ufffd"));
      }
    }
  });

  test("an offset inside a character moves forward to the next one", () => {
    const runDir = newRunDir();
    const text = `a😀b日${"é".repeat(10)}`;
    writeArtifacts(runDir, 1, "reasoning", [{ field_path: "/text", content: text, mime_type: "text/plain" }]);
    const bytes = Buffer.from(text);
    for (let offset = 0; offset <= bytes.length; offset++) {
      let start = offset;
      while (start < bytes.length && CONTINUATION(bytes[start] ?? 0)) start++;
      for (const limit of [4, 5, 6, 7]) {
        const page = readArtifactPage(runDir, 1, "reasoning", "/text", offset, limit);
        assert.equal(page.offset, start);
        assert.ok(page.returned_bytes > 0 || start === bytes.length);
        assert.equal(page.content, bytes.subarray(start, page.next_offset).toString("utf8"));
        assert.ok(!page.content.includes("\ufffd"));
      }
    }
  });

  test("offset at the end is an empty last page; past the end is an error", () => {
    const runDir = newRunDir();
    writeArtifacts(runDir, 3, "command_finished", [
      { field_path: "/stdout", content: "héllo", mime_type: "text/plain" },
    ]);
    const page = readArtifactPage(runDir, 3, "command_finished", "/stdout", 6, 100);
    assert.deepEqual(
      [page.content, page.returned_bytes, page.next_offset, page.has_more, page.offset],
      ["", 0, 6, false, 6],
    );
    assertError(
      () => readArtifactPage(runDir, 3, "command_finished", "/stdout", 7, 100),
      "invalid_input",
      /^offset:.*6/,
    );
    assertError(
      () => readArtifactPage(runDir, 3, "command_finished", "/stdout", -1, 100),
      "invalid_input",
      /^offset/,
    );
    assertError(
      () => readArtifactPage(runDir, 3, "command_finished", "/stdout", 0, 3),
      "invalid_input",
      /^limit/,
    );
  });

  test("an unknown field names the available ones; a missing manifest is not_found", () => {
    const runDir = newRunDir();
    writeArtifacts(runDir, 9, "tool_finished", [
      { field_path: "/output", content: "{}", mime_type: "application/json" },
      { field_path: "/input/code", content: "x", mime_type: "text/plain" },
    ]);
    assertError(
      () => readArtifactPage(runDir, 9, "tool_finished", "/nope", 0, 10),
      "not_found",
      /\/output.*\/input\/code/,
    );
    assertError(() => readArtifactPage(runDir, 10, "tool_finished", "/output", 0, 10), "not_found", /10/);
    assertError(() => readArtifactPage(runDir, 9, "agent_message", "/output", 0, 10), "not_found", /9/);
  });

  test("a tampered manifest is a store_error, and its chunk names never become paths outside", () => {
    const runDir = newRunDir();
    writeArtifacts(runDir, 4, "agent_message", [
      { field_path: "/text", content: "hello", mime_type: "text/plain" },
    ]);
    const manifestPath = join(runDir, "artifacts", "000004-agent_message", "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest.fields[0].chunks[0].file = "../../../../etc/passwd";
    writeFileSync(manifestPath, JSON.stringify(manifest));
    assertError(
      () => readArtifactPage(runDir, 4, "agent_message", "/text", 0, 10),
      "store_error",
      /manifest/,
    );
    writeFileSync(manifestPath, "{not json");
    assertError(
      () => readArtifactPage(runDir, 4, "agent_message", "/text", 0, 10),
      "store_error",
      /manifest/,
    );
  });
});
