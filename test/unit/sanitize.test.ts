import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DEFAULT_LIMITS,
  encodePointerSegment,
  type SanitizedData,
  type SanitizeLimits,
  sanitizeEventData,
  UNSERIALIZABLE,
  utf8Prefix,
} from "../../src/events/sanitize.js";
import type { ArtifactRef, EventData } from "../../src/events/types.js";
import { prng } from "../helpers/prng.js";

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
const decodeSegment = (s: string): string => s.replaceAll("~1", "/").replaceAll("~0", "~");
const segments = (pointer: string): string[] =>
  pointer === "" ? [] : pointer.slice(1).split("/").map(decodeSegment);

function resolve(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of segments(pointer)) {
    assert.ok(typeof node === "object" && node !== null, `pointer ${pointer} goes through a leaf`);
    assert.ok(Object.hasOwn(node, segment), `pointer ${pointer}: no ${segment}`);
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function place(root: unknown, pointer: string, value: unknown): unknown {
  if (pointer === "") return value;
  const slash = pointer.lastIndexOf("/");
  const parent = resolve(root, pointer.slice(0, slash)) as Record<string, unknown>;
  parent[decodeSegment(pointer.slice(slash + 1))] = value;
  return root;
}

const restored = (field: SanitizedData["extracted"][number]): unknown =>
  field.mime_type === "text/plain" ? field.content : JSON.parse(field.content);

/** Everything a sanitized result must satisfy, whatever the input. */
function checkInvariants(input: EventData, result: SanitizedData, limits: SanitizeLimits): void {
  assert.ok(bytesOf(result.data) <= limits.eventBytes, `event is ${bytesOf(result.data)} bytes`);
  const { artifact_refs: _dropped, ...expected } = JSON.parse(JSON.stringify(input)) as EventData;
  if (result.extracted.length === 0) {
    assert.equal("artifact_refs" in result.data, false);
    assert.deepEqual(JSON.parse(JSON.stringify(result.data)), expected);
    return;
  }
  const refs = result.data.artifact_refs as ArtifactRef[];
  assert.equal(refs.length, result.extracted.length);
  for (const [i, field] of result.extracted.entries()) {
    assert.deepEqual(refs[i], {
      field_path: field.field_path,
      total_bytes: Buffer.byteLength(field.content),
      mime_type: field.mime_type,
      encoding: "utf-8",
    });
    assert.deepEqual(
      restored(field),
      JSON.parse(JSON.stringify(resolve(expected, field.field_path) ?? null)),
    );
  }
  let rebuilt: unknown = JSON.parse(JSON.stringify(result.data));
  delete (rebuilt as EventData).artifact_refs;
  for (const field of result.extracted) {
    if (field.field_path !== "") assert.equal(typeof resolve(rebuilt, field.field_path), "string");
    rebuilt = place(rebuilt, field.field_path, restored(field));
  }
  assert.deepEqual(rebuilt, expected);
}

const ALPHABETS = [
  "abcdefghij klmnop",
  '"\\/\n\t\u0001\u001f',
  "éßøçñ",
  "日本語中文한국어",
  "😀🚀🎉👍🏽",
  "e\u0301a\u0308o\u0323",
  "~/~0~1",
];

/** How one random case looks; `nodes` and `chars` cap it, so one unlucky seed cannot build a gigabyte. */
interface Shape {
  nodes: number;
  chars: number;
  /** Chance that a value is a leaf: high gives flat events, low gives deep trees. */
  leafChance: number;
  /** Chance that a string leaf may be tens of KiB. */
  bigChance: number;
  /** Chance that a container holds thousands of entries. */
  wideChance: number;
}

function randomShape(rand: () => number): Shape {
  return {
    nodes: 3000,
    chars: 100_000,
    leafChance: 0.2 + rand() * 0.8,
    bigChance: rand() * 0.3,
    wideChance: rand() * 0.1,
  };
}

/** Random text per alphabet; slicing it at UTF-16 indices also yields lone surrogates, on purpose. */
const POOLS = ALPHABETS.map((alphabet, i) => {
  const rand = prng(1000 + i);
  const chars = [...alphabet];
  return Array.from({ length: 40_000 }, () => chars[Math.floor(rand() * chars.length)]).join("");
});

function randomString(rand: () => number, maxLength: number, budget: Shape): string {
  const pool = POOLS[Math.floor(rand() * POOLS.length)] as string;
  const length = Math.min(budget.chars, Math.floor(rand() ** 3 * maxLength), pool.length);
  budget.chars -= length;
  const start = Math.floor(rand() * (pool.length - length));
  return pool.slice(start, start + length);
}

function randomValue(rand: () => number, depth: number, shape: Shape): unknown {
  shape.nodes--;
  if (depth > 6 || shape.nodes <= 0 || rand() < shape.leafChance) {
    const leaf = rand();
    if (leaf < 0.6) return randomString(rand, rand() < shape.bigChance ? 30_000 : 300, shape);
    if (leaf < 0.8) return Math.floor(rand() * 1e9) / 100;
    if (leaf < 0.9) return rand() < 0.5;
    return null;
  }
  const size = Math.min(shape.nodes, Math.floor(rand() ** 2 * (rand() < shape.wideChance ? 3000 : 20)));
  if (rand() < 0.5) return Array.from({ length: size }, () => randomValue(rand, depth + 1, shape));
  const object: Record<string, unknown> = {};
  for (let i = 0; i < size; i++)
    object[randomString(rand, 12, shape) + i] = randomValue(rand, depth + 1, shape);
  return object;
}

function randomLimits(rand: () => number): SanitizeLimits {
  const fieldBytes = 64 + Math.floor(rand() * 8192);
  return {
    fieldBytes,
    previewBytes: 8 + Math.floor(rand() * (fieldBytes / 2)),
    eventBytes: 512 + Math.floor(rand() * 32768),
  };
}

describe("sanitizeEventData", () => {
  test("small data comes back unchanged, without artifact_refs", () => {
    const data = { command: "ls", exit_code: 0, stdout: "a\nb\n", nested: { list: [1, "x", null, true] } };
    const result = sanitizeEventData(data);
    assert.equal(result.data, data);
    assert.deepEqual(result.extracted, []);
    assert.equal("artifact_refs" in result.data, false);
  });

  test("a big string leaves a preview inline and moves whole to an artifact", () => {
    const stdout = "line of output\n".repeat(1000);
    const result = sanitizeEventData({ command: "make", stdout });
    const preview = result.data.stdout as string;
    assert.ok(preview.startsWith(stdout.slice(0, 1000)));
    assert.ok(preview.endsWith(`… [truncated: ${stdout.length} bytes total, see artifact_refs]`));
    assert.ok(Buffer.byteLength(preview) < DEFAULT_LIMITS.previewBytes + 100);
    assert.equal(result.data.command, "make");
    assert.deepEqual(result.data.artifact_refs, [
      { field_path: "/stdout", total_bytes: stdout.length, mime_type: "text/plain", encoding: "utf-8" },
    ]);
    assert.deepEqual(result.extracted, [{ field_path: "/stdout", content: stdout, mime_type: "text/plain" }]);
  });

  test("pointers escape ~ and / and index arrays", () => {
    const big = "x".repeat(5000);
    const data = { "a/b": { "c~d": big }, changes: [{ diff: "small" }, { diff: big }], "": big };
    const result = sanitizeEventData(data);
    assert.deepEqual(
      result.extracted.map((e) => e.field_path),
      ["/a~1b/c~0d", "/changes/1/diff", "/"],
    );
    checkInvariants(data, result, DEFAULT_LIMITS);
    assert.equal(encodePointerSegment("~/x/~"), "~0~1x~1~0");
  });

  test("an incoming artifact_refs is replaced by ours", () => {
    const data = { artifact_refs: "spoofed", text: "y".repeat(5000) };
    const result = sanitizeEventData(data);
    assert.deepEqual(
      (result.data.artifact_refs as ArtifactRef[]).map((r) => r.field_path),
      ["/text"],
    );
    assert.equal("artifact_refs" in sanitizeEventData({ artifact_refs: [], a: 1 }).data, false);
  });

  test("a big object moves out as JSON with the full strings, not the previews", () => {
    const changes = Array.from({ length: 40 }, (_, i) => ({
      path: `src/f${i}.ts`,
      diff: "+".repeat(i === 3 ? 6000 : 500),
    }));
    const data = { changes, summary: "forty files" };
    const result = sanitizeEventData(data);
    assert.deepEqual(
      result.extracted.map((e) => [e.field_path, e.mime_type]),
      [["/changes", "application/json"]],
    );
    assert.deepEqual(JSON.parse(result.extracted[0]?.content ?? ""), changes);
    assert.equal(result.data.summary, "forty files");
    checkInvariants(data, result, DEFAULT_LIMITS);
  });

  test("adversarial shapes stay under the event budget", () => {
    const manyKeys = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    const cases: EventData[] = [
      manyKeys,
      { list: Array.from({ length: 5000 }, (_, i) => `item ${i}`) },
      Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`s${i}`, "z".repeat(5000)])),
      Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`o${i}`, { text: "w".repeat(400) }])),
      { ["k".repeat(40_000)]: 1 },
      { control: "\u0001".repeat(4000), quotes: '"'.repeat(4000) },
      { nested: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`n${i}`, [i, { v: "q" }]])) },
    ];
    for (const data of cases) checkInvariants(data, sanitizeEventData(data), DEFAULT_LIMITS);
    assert.deepEqual(
      sanitizeEventData(manyKeys).extracted.map((e) => e.field_path),
      [""],
    );
  });

  test("random JSON of random shapes and sizes keeps every invariant", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = prng(seed);
      const limits = rand() < 0.5 ? DEFAULT_LIMITS : randomLimits(rand);
      const shape = randomShape(rand);
      const keys = Math.floor(rand() < 0.1 ? 200 + rand() * 3000 : rand() * 12);
      const data: EventData = {};
      for (let i = 0; i < keys; i++) data[randomString(rand, 10, shape) + i] = randomValue(rand, 1, shape);
      try {
        checkInvariants(data, sanitizeEventData(data, limits), limits);
      } catch (error) {
        (error as Error).message = `seed ${seed}: ${(error as Error).message}`;
        throw error;
      }
    }
  });

  test("nesting 10,000 deep neither throws nor exceeds the budget", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 10_000; i++) deep = i % 2 ? { a: deep } : [deep];
    const result = sanitizeEventData({ deep, command: "x" });
    assert.ok(bytesOf(result.data) <= DEFAULT_LIMITS.eventBytes);
    assert.ok(JSON.stringify(result.data).includes(JSON.stringify(UNSERIALIZABLE)));
    assert.equal(result.data.command, "x");
  });

  test("a deep but serializable subtree moves out whole as JSON", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 3000; i++) deep = { a: deep };
    const data = { deep };
    const result = sanitizeEventData(data);
    const [field] = result.extracted;
    assert.equal(field?.mime_type, "application/json");
    assert.equal(field?.field_path, `/deep${"/a".repeat(32)}`);
    checkInvariants(data, result, DEFAULT_LIMITS);
  });

  test("a cycle does not throw", () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    const result = sanitizeEventData({ loop });
    assert.ok(JSON.stringify(result.data).includes(JSON.stringify(UNSERIALIZABLE)));
  });

  test("a multi-byte preview never splits a character", () => {
    for (const unit of ["é", "日", "😀", "e\u0301", "a😀"]) {
      for (const previewBytes of [1, 2, 3, 5, 7, 1023, 1024]) {
        const text = unit.repeat(3000);
        const result = sanitizeEventData({ text }, { ...DEFAULT_LIMITS, previewBytes });
        const preview = (result.data.text as string).split("… [truncated")[0] as string;
        assert.ok(text.startsWith(preview));
        assert.ok(Buffer.byteLength(preview) <= previewBytes);
        assert.equal(Buffer.from(preview).toString("utf8"), preview);
        assert.ok(!preview.includes("\ufffd"));
      }
    }
    assert.equal(utf8Prefix("a😀b", 4), "a");
    assert.equal(utf8Prefix("a😀b", 5), "a😀");
  });

  test("__proto__ keys stay data", () => {
    const data = JSON.parse(`{"__proto__": {"x": "${"p".repeat(5000)}"}, "b": 1}`) as EventData;
    const result = sanitizeEventData(data);
    assert.deepEqual(
      result.extracted.map((e) => e.field_path),
      ["/__proto__/x"],
    );
    assert.ok(Object.hasOwn(result.data, "__proto__"));
    checkInvariants(data, result, DEFAULT_LIMITS);
  });
});
