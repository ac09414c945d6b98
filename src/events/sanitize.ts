/** Keeps events small: fields over their limit leave a preview inline and move whole to an artifact. */
import type { ArtifactRef, EventData } from "./types.js";

export interface SanitizeLimits {
  /** A string field longer than this (UTF-8 bytes) moves to an artifact. */
  fieldBytes: number;
  /** The serialized `data` of an event stays under this; big objects and arrays move out too. */
  eventBytes: number;
  /** Bytes of a moved value kept inline as its preview. */
  previewBytes: number;
}

export const DEFAULT_LIMITS: SanitizeLimits = { fieldBytes: 4096, eventBytes: 16384, previewBytes: 1024 };

/** A value taken out of an event, to be written as an artifact. */
export interface ExtractedField {
  /** JSON Pointer relative to event.data (RFC 6901). */
  field_path: string;
  /** The full value: the string itself, or the JSON text of an object or array. */
  content: string;
  mime_type: "text/plain" | "application/json";
}

export interface SanitizedData {
  data: EventData;
  extracted: ExtractedField[];
}

/** One reference token of a JSON Pointer (RFC 6901). */
export const encodePointerSegment = (segment: string): string =>
  segment.replaceAll("~", "~0").replaceAll("/", "~1");

/** Deeper than this a subtree is serialized in one native call, so hostile nesting cannot exhaust our stack. */
const MAX_DEPTH = 32;
/** Values moved only to fit the event budget keep a shorter preview than a single big string does. */
const SHORT_PREVIEW_BYTES = 256;
const REFS_KEY = "artifact_refs";
/** `"artifact_refs":[]` */
const REFS_OVERHEAD = 18;
/** Stands in for a subtree that JSON.stringify cannot serialize (nesting beyond V8's limit, a cycle). */
export const UNSERIALIZABLE = "[omitted: nested too deeply or not serializable]";
/** The size of a walked value that JSON leaves out (undefined, a function). */
const OMITTED = -1;
// Strings without these serialize to their UTF-8 bytes plus two quotes; \p{Cc} over-matches (0x7f-0x9f) harmlessly.
const NEEDS_ESCAPE = /["\\\p{Cc}\p{Cs}]/u;

const SHA256_SIZED = "0".repeat(64);

interface Extraction {
  field: ExtractedField;
  ref: ArtifactRef;
  /** Serialized size of `ref` inside `artifact_refs`. */
  refBytes: number;
}

interface Walk {
  limits: SanitizeLimits;
  /** Segments from data to the current value, joined only when something is extracted. */
  path: (string | number)[];
  /** Extractions of the top-level field being walked. */
  out: Extraction[];
  /** Serialized size of the value `walk` last returned, or OMITTED: a side channel to spare an allocation a node. */
  bytes: number;
}

/** A top-level field of data: the unit the event budget moves out. */
interface Field {
  key: string;
  keyBytes: number;
  value: unknown;
  /** The value after the per-field pass: serialized instead when the original cannot be. */
  inline: unknown;
  /** What the result holds: `inline`, or a short preview once the field has moved out whole. */
  out: unknown;
  bytes: number;
  extractions: Extraction[];
}

/**
 * Big strings move out first, each on its own; if the event is still over budget, whole top-level fields move
 * out, largest first; if even that is not enough (many small fields, huge keys), all of data moves to one
 * artifact at the root pointer "". An incoming `artifact_refs` key is reserved and dropped. Assumes sane limits:
 * eventBytes of a few hundred bytes at least, so that the root fallback always fits.
 */
export function sanitizeEventData(data: EventData, limits: SanitizeLimits = DEFAULT_LIMITS): SanitizedData {
  const w: Walk = { limits, path: [], out: [], bytes: 0 };
  const fields: Field[] = [];
  let changed = false;
  for (const key of Object.keys(data)) {
    if (key === REFS_KEY) {
      changed = true;
      continue;
    }
    const raw = data[key];
    const value = normalize(raw);
    w.out = [];
    w.path.push(key);
    const inline = walk(value, 1, w);
    w.path.pop();
    if (inline !== raw) changed = true;
    fields.push({
      key,
      keyBytes: jsonBytes(key),
      value,
      inline,
      out: inline,
      bytes: w.bytes,
      extractions: w.out,
    });
  }

  const budget = new Budget(fields);
  if (budget.refCount === 0 && !changed && budget.total() <= limits.eventBytes) {
    return { data, extracted: [] };
  }

  const bySize = fields.filter((f) => f.bytes !== OMITTED).sort((a, b) => b.bytes - a.bytes);
  for (const field of bySize) {
    if (budget.total() <= limits.eventBytes) break;
    const moved = moveOut(field, limits);
    if (moved) budget.moveIfSmaller(field, moved);
  }
  if (budget.total() > limits.eventBytes) return moveRoot(fields);

  const result: EventData = {};
  for (const field of fields) setOwn(result, field.key, field.out);
  const extractions = fields.flatMap((f) => f.extractions);
  if (extractions.length > 0) result[REFS_KEY] = extractions.map((e) => e.ref);
  return { data: result, extracted: extractions.map((e) => e.field) };
}

/** Exact serialized size of the result, kept up to date as fields move out. */
class Budget {
  private entryBytes = 0;
  private entryCount = 0;
  private refBytes = 0;
  refCount = 0;

  constructor(fields: Field[]) {
    for (const f of fields) {
      if (f.bytes !== OMITTED) {
        this.entryBytes += f.keyBytes + 1 + f.bytes;
        this.entryCount++;
      }
      for (const e of f.extractions) this.refBytes += e.refBytes;
      this.refCount += f.extractions.length;
    }
  }

  total(): number {
    return serializedSize(this.entryCount, this.entryBytes, this.refCount, this.refBytes);
  }

  /** A short value can cost more as a ref than inline: move only when the event gets smaller. */
  moveIfSmaller(field: Field, moved: Moved): void {
    const entryBytes = this.entryBytes - field.bytes + moved.bytes;
    const refCount = this.refCount + 1 - field.extractions.length;
    let refBytes = this.refBytes + moved.extraction.refBytes;
    for (const e of field.extractions) refBytes -= e.refBytes;
    if (serializedSize(this.entryCount, entryBytes, refCount, refBytes) >= this.total()) return;
    this.entryBytes = entryBytes;
    this.refCount = refCount;
    this.refBytes = refBytes;
    field.out = moved.out;
    field.bytes = moved.bytes;
    field.extractions = [moved.extraction];
  }
}

function serializedSize(entryCount: number, entryBytes: number, refCount: number, refBytes: number): number {
  const body = 2 + entryBytes + Math.max(0, entryCount - 1);
  if (refCount === 0) return body;
  return body + (entryCount > 0 ? 1 : 0) + REFS_OVERHEAD + refBytes + refCount - 1;
}

interface Moved {
  out: string;
  bytes: number;
  extraction: Extraction;
}

/** A top-level field moved out whole; its nested extractions are dropped, the new content holds them. */
function moveOut(field: Field, limits: SanitizeLimits): Moved | undefined {
  let content: string;
  let mime: ExtractedField["mime_type"];
  if (typeof field.value === "string") {
    content = field.value;
    mime = "text/plain";
  } else if (typeof field.value === "object" && field.value !== null) {
    content = tryStringify(field.value) ?? tryStringify(field.inline) ?? JSON.stringify(UNSERIALIZABLE);
    mime = "application/json";
  } else {
    return undefined;
  }
  const totalBytes = Buffer.byteLength(content);
  const out = preview(content, totalBytes, Math.min(limits.previewBytes, SHORT_PREVIEW_BYTES));
  const path = `/${encodePointerSegment(field.key)}`;
  return { out, bytes: jsonBytes(out), extraction: extraction(path, content, totalBytes, mime) };
}

function moveRoot(fields: Field[]): SanitizedData {
  const root = Object.fromEntries(fields.map((f) => [f.key, f.value]));
  const content =
    tryStringify(root) ??
    tryStringify(Object.fromEntries(fields.map((f) => [f.key, f.inline]))) ??
    JSON.stringify(UNSERIALIZABLE);
  const e = extraction("", content, Buffer.byteLength(content), "application/json");
  return { data: { [REFS_KEY]: [e.ref] }, extracted: [e.field] };
}

function walk(raw: unknown, depth: number, w: Walk): unknown {
  const value = normalize(raw);
  if (typeof value === "string") return walkString(value, w);
  if (typeof value === "number") {
    w.bytes = Number.isFinite(value) ? String(value).length : 4;
    return value;
  }
  if (typeof value === "boolean") {
    w.bytes = value ? 4 : 5;
    return value;
  }
  if (value === null) {
    w.bytes = 4;
    return value;
  }
  if (typeof value !== "object") {
    w.bytes = OMITTED;
    return value;
  }
  if (depth > MAX_DEPTH) return walkOpaque(value, w);
  return Array.isArray(value)
    ? walkArray(value, depth, w)
    : walkObject(value as Record<string, unknown>, depth, w);
}

function walkString(s: string, w: Walk): string {
  const bytes = Buffer.byteLength(s);
  if (bytes <= w.limits.fieldBytes) {
    w.bytes = jsonBytes(s, bytes);
    return s;
  }
  return extract(s, bytes, "text/plain", w);
}

/**
 * Past MAX_DEPTH a subtree is one value. If JSON.stringify cannot serialize it either (nesting beyond V8's own
 * limit, a cycle), it becomes the UNSERIALIZABLE marker and nothing is recorded: there is no faithful content to
 * store, and a partial one would pass for the original.
 */
function walkOpaque(value: object, w: Walk): unknown {
  const json = tryStringify(value);
  if (json === undefined) {
    w.bytes = jsonBytes(UNSERIALIZABLE);
    return UNSERIALIZABLE;
  }
  const bytes = Buffer.byteLength(json);
  if (bytes <= w.limits.fieldBytes) {
    w.bytes = bytes;
    return value;
  }
  return extract(json, bytes, "application/json", w);
}

function walkArray(array: unknown[], depth: number, w: Walk): unknown[] {
  let copy: unknown[] | undefined;
  let bytes = Math.max(2, array.length + 1);
  for (let i = 0; i < array.length; i++) {
    w.path.push(i);
    const value = walk(array[i], depth + 1, w);
    w.path.pop();
    bytes += w.bytes === OMITTED ? 4 : w.bytes;
    if (value !== array[i] && copy === undefined) copy = array.slice(0, i);
    copy?.push(value);
  }
  w.bytes = bytes;
  return copy ?? array;
}

function walkObject(object: Record<string, unknown>, depth: number, w: Walk): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  let bytes = 2;
  let count = 0;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const raw = object[key];
    w.path.push(key);
    const value = walk(raw, depth + 1, w);
    w.path.pop();
    if (w.bytes !== OMITTED) bytes += jsonBytes(key) + 1 + w.bytes + (count++ > 0 ? 1 : 0);
    if (value !== raw && copy === undefined) {
      copy = {};
      for (const k of keys.slice(0, i)) setOwn(copy, k, object[k]);
    }
    if (copy) setOwn(copy, key, value);
  }
  w.bytes = bytes;
  return copy ?? object;
}

function extract(content: string, totalBytes: number, mime: ExtractedField["mime_type"], w: Walk): string {
  const path = w.path.map((s) => `/${encodePointerSegment(String(s))}`).join("");
  w.out.push(extraction(path, content, totalBytes, mime));
  const out = preview(content, totalBytes, w.limits.previewBytes);
  w.bytes = jsonBytes(out);
  return out;
}

function extraction(
  path: string,
  content: string,
  totalBytes: number,
  mime: ExtractedField["mime_type"],
): Extraction {
  const ref: ArtifactRef = { field_path: path, total_bytes: totalBytes, mime_type: mime, encoding: "utf-8" };
  return {
    field: { field_path: path, content, mime_type: mime },
    ref,
    // The writer adds the value's sha256 to the ref (64 hex digits): counted here, so the event stays in budget.
    refBytes: Buffer.byteLength(JSON.stringify({ ...ref, sha256: SHA256_SIZED })),
  };
}

const preview = (content: string, totalBytes: number, maxBytes: number): string =>
  `${utf8Prefix(content, maxBytes)}… [truncated: ${totalBytes} bytes total, see artifact_refs]`;

/** The longest prefix of `s` within `maxBytes` of UTF-8 that ends on a character boundary. */
export function utf8Prefix(s: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let size = 3;
    let units = 1;
    if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xd800 && c < 0xdc00 && isLowSurrogate(s.charCodeAt(i + 1))) {
      size = 4;
      units = 2;
    }
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += units;
  }
  return s.slice(0, i);
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c < 0xe000;

/** JSON.stringify's view of a leaf: toJSON applied, a bigint (which it would throw on) as its digits. */
function normalize(value: unknown): unknown {
  if (typeof value === "bigint") return String(value);
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}

/** Serialized UTF-8 size of a string, quotes and escapes included. */
function jsonBytes(s: string, utf8Bytes?: number): number {
  if (NEEDS_ESCAPE.test(s)) return Buffer.byteLength(JSON.stringify(s));
  return (utf8Bytes ?? Buffer.byteLength(s)) + 2;
}

function tryStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** A "__proto__" key read from JSON is an own property; plain assignment would set the prototype instead. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
