/** Artifacts: the full values of event fields too big to stay inline, paged by bytes. */
import { createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, fsyncSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { errorMessage, OrchestratorError } from "../core/errors.js";
import type { ExtractedField } from "../events/sanitize.js";
import { writeJsonAtomic } from "./atomic-file.js";
import { assertChunkMatches } from "./field-check.js";
import { createExclusive, ensureStoreDir, openForRead } from "./no-follow.js";

export interface ArtifactPage {
  total_bytes: number;
  offset: number;
  returned_bytes: number;
  next_offset: number;
  has_more: boolean;
  mime_type: string;
  encoding: "utf-8";
  content: string;
}

export const CHUNK_BYTES = 1024 * 1024;
/** The longest UTF-8 character: a page reads this much around its ends to find character boundaries. */
const MAX_CHAR_BYTES = 4;

const manifestSchema = z.object({
  seq: z.number(),
  type: z.string(),
  fields: z.array(
    z
      .object({
        field_path: z.string(),
        total_bytes: z.number().int().nonnegative(),
        mime_type: z.string(),
        encoding: z.literal("utf-8"),
        // Chunk names become paths: only our own pattern is trusted.
        chunks: z.array(
          z.object({ file: z.string().regex(/^f\d+-\d+\.chunk$/), bytes: z.number().int().positive() }),
        ),
      })
      .refine(
        (f) => f.chunks.reduce((sum, c) => sum + c.bytes, 0) === f.total_bytes,
        "chunks do not add up to total_bytes",
      ),
  ),
});
type Manifest = z.infer<typeof manifestSchema>;
type ManifestField = Manifest["fields"][number];

export function artifactDirName(seq: number, type: string): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new OrchestratorError("invalid_input", "seq: expected a positive integer");
  }
  if (!/^[a-z_]+$/.test(type)) {
    throw new OrchestratorError("invalid_input", "type: expected an event type ([a-z_]+)");
  }
  return `${String(seq).padStart(6, "0")}-${type}`;
}

const artifactDir = (runDir: string, seq: number, type: string): string =>
  join(runDir, "artifacts", artifactDirName(seq, type));

/** The SHA-256 (hex) of a field's whole value, as written: its event records it in `artifact_refs`. */
export interface FieldDigest {
  field_path: string;
  sha256: string;
}

/** Chunks first, then the manifest atomically: a manifest on disk always names whole chunks. */
export function writeArtifacts(
  runDir: string,
  seq: number,
  type: string,
  fields: ExtractedField[],
): FieldDigest[] {
  if (fields.length === 0) return [];
  const dir = artifactDir(runDir, seq, type);
  // Checked before the clean-up below may run: removing a path that passes through a planted link would delete
  // what the link points to.
  ensureStoreDir(dir);
  try {
    return writeFields(dir, seq, type, fields);
  } catch (error) {
    // The event is not written when its artifacts are not: leave no orphaned half of them.
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function writeFields(dir: string, seq: number, type: string, fields: ExtractedField[]): FieldDigest[] {
  const digests: FieldDigest[] = [];
  const manifest: Manifest = {
    seq,
    type,
    fields: fields.map((field, f) => {
      const hash = createHash("sha256");
      const chunks = writeChunks(dir, f, field.content, hash);
      digests.push({ field_path: field.field_path, sha256: hash.digest("hex") });
      return {
        field_path: field.field_path,
        total_bytes: chunks.reduce((sum, chunk) => sum + chunk.bytes, 0),
        mime_type: field.mime_type,
        encoding: "utf-8",
        chunks,
      };
    }),
  };
  writeJsonAtomic(join(dir, "manifest.json"), manifest);
  return digests;
}

const encoder = new TextEncoder();

/**
 * Writes a field as UTF-8 chunk files of at most CHUNK_BYTES, encoding one chunk at a time: a field of hundreds
 * of megabytes never has a second whole copy in memory. A chunk ends before a character that does not fit.
 */
function writeChunks(dir: string, f: number, content: string, hash: Hash): ManifestField["chunks"] {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const chunks: ManifestField["chunks"] = [];
  for (let at = 0; at < content.length; ) {
    // A slice of a flat string shares its characters; encodeInto stops once the buffer is full.
    const { read, written } = encoder.encodeInto(at === 0 ? content : content.slice(at), buffer);
    const file = `f${f}-${String(chunks.length).padStart(3, "0")}.chunk`;
    hash.update(buffer.subarray(0, written));
    writeDurably(join(dir, file), buffer.subarray(0, written));
    chunks.push({ file, bytes: written });
    at += read;
  }
  return chunks;
}

/**
 * One page of a field, read from the chunks it spans only. An offset inside a character moves forward to the next
 * character; the end moves back to a character boundary, so any limit of 4 or more makes progress. With `sha256`
 * (from the event's artifact_refs) the page is served only from chunks of a version that matches it.
 */
export function readArtifactPage(
  runDir: string,
  seq: number,
  type: string,
  fieldPath: string,
  offset: number,
  limit: number,
  sha256?: string,
): ArtifactPage {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new OrchestratorError("invalid_input", "offset: expected a non-negative integer");
  }
  if (!Number.isSafeInteger(limit) || limit < MAX_CHAR_BYTES) {
    throw new OrchestratorError("invalid_input", `limit: expected an integer of at least ${MAX_CHAR_BYTES}`);
  }
  const dir = artifactDir(runDir, seq, type);
  const manifest = readManifest(dir, seq);
  const field = manifest.fields.find((f) => f.field_path === fieldPath);
  if (!field) {
    const available = manifest.fields.map((f) => JSON.stringify(f.field_path)).join(", ");
    throw new OrchestratorError(
      "not_found",
      `field_path: no artifact at ${JSON.stringify(fieldPath)} for seq ${seq}; available: ${available}`,
    );
  }
  const total = field.total_bytes;
  if (offset > total) {
    throw new OrchestratorError(
      "invalid_input",
      `offset: expected at most total_bytes (${total}), got ${offset}`,
    );
  }

  // The limit, plus continuation bytes skipped at the start, plus the byte that tells if the end is a boundary.
  const window = readRange(dir, field, offset, Math.min(total, offset + limit + MAX_CHAR_BYTES), sha256);
  let start = 0;
  while (start < window.length && isContinuation(window[start])) start++;
  let end = Math.min(start + limit, total - offset);
  while (end > start && end < window.length && isContinuation(window[end])) end--;
  return {
    total_bytes: total,
    offset: offset + start,
    returned_bytes: end - start,
    next_offset: offset + end,
    has_more: offset + end < total,
    mime_type: field.mime_type,
    encoding: "utf-8",
    content: window.subarray(start, end).toString("utf8"),
  };
}

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && (byte & 0xc0) === 0x80;

/** Parsed manifests by folder: a field read in many pages parses and checks its manifest once. */
const manifests = new Map<string, { stamp: string; manifest: Manifest }>();
const MAX_CACHED_MANIFESTS = 64;

function readManifest(dir: string, seq: number): Manifest {
  const path = join(dir, "manifest.json");
  let stamp: string;
  let text: string;
  let fd: number | undefined;
  try {
    fd = openForRead(path);
    // Inode, size and change time tell a rewritten (or tampered) manifest from the one cached: unlike mtime, a
    // process cannot set ctime back.
    const stat = fstatSync(fd);
    stamp = `${stat.ino}:${stat.size}:${stat.ctimeMs}`;
    const cached = manifests.get(dir);
    if (cached?.stamp === stamp) return cached.manifest;
    text = readFileSync(fd, "utf8");
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new OrchestratorError("not_found", `seq: no artifacts for event ${seq}`);
    }
    throw manifestError(seq, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  let manifest: Manifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(text));
  } catch (error) {
    throw manifestError(seq, error);
  }
  if (manifests.size >= MAX_CACHED_MANIFESTS) manifests.delete(manifests.keys().next().value as string);
  manifests.set(dir, { stamp, manifest });
  return manifest;
}

const manifestError = (seq: number, error: unknown): OrchestratorError =>
  new OrchestratorError("store_error", `artifact manifest of event ${seq}: ${errorMessage(error)}`);

/** Bytes [from, to) of a field, read from only the chunks that hold them. */
function readRange(dir: string, field: ManifestField, from: number, to: number, sha256?: string): Buffer {
  const out = Buffer.alloc(to - from);
  let chunkStart = 0;
  for (const chunk of field.chunks) {
    const chunkEnd = chunkStart + chunk.bytes;
    if (chunkEnd > from && chunkStart < to) {
      const a = Math.max(from, chunkStart);
      const b = Math.min(to, chunkEnd);
      const fd = openChunk(dir, chunk.file);
      try {
        if (sha256 !== undefined) {
          const open = (file: string) => openChunk(dir, file);
          assertChunkMatches(
            { dir, field_path: field.field_path, chunks: field.chunks, open },
            chunk.file,
            fd,
            sha256,
          );
        }
        let done = 0;
        while (done < b - a) {
          const n = readSync(fd, out, a - from + done, b - a - done, a - chunkStart + done);
          if (n === 0) {
            throw new OrchestratorError(
              "store_error",
              `artifact chunk ${chunk.file} is shorter than its manifest says`,
            );
          }
          done += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    chunkStart = chunkEnd;
    if (chunkStart >= to) break;
  }
  return out;
}

function openChunk(dir: string, file: string): number {
  try {
    return openForRead(join(dir, file));
  } catch (error) {
    throw new OrchestratorError("store_error", `artifact chunk ${file}: ${errorMessage(error)}`);
  }
}

function writeDurably(path: string, bytes: Buffer): void {
  const fd = createExclusive(path);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
