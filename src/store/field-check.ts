/**
 * Artifact fields checked against the SHA-256 their event recorded when they were written. Chunk files sit in the
 * agent's cwd; a page is served only from chunks in the version that was hashed whole and matched. A chunk's
 * version is its inode, size and change time (which no process can set back), so sequential pages of a field
 * cost one fstat per chunk they touch, and the field is hashed again only when a chunk changed.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync } from "node:fs";
import { OrchestratorError } from "../core/errors.js";
import { hashPrefix } from "./log-seal.js";

/** `<field folder>\0<field_path>` → the version of each chunk, by file name, when the field last matched. */
const matched = new Map<string, Map<string, string>>();
const MAX_MATCHED = 256;

const version = (fd: number): string => {
  const stat = fstatSync(fd);
  return `${stat.ino}:${stat.size}:${stat.ctimeMs}`;
};

export interface FieldChunks {
  dir: string;
  field_path: string;
  chunks: { file: string; bytes: number }[];
  open(file: string): number;
}

/**
 * Makes sure the chunk open at `fd` belongs to a version of the field that matches `sha256`, hashing the whole
 * field (once per version) when it is not known to.
 */
export function assertChunkMatches(field: FieldChunks, file: string, fd: number, sha256: string): void {
  const key = `${field.dir}\0${field.field_path}`;
  if (matched.get(key)?.get(file) === version(fd)) return;
  const hash = createHash("sha256");
  const versions = new Map<string, string>();
  for (const chunk of field.chunks) {
    const chunkFd = field.open(chunk.file);
    try {
      versions.set(chunk.file, version(chunkFd));
      hashPrefix(chunkFd, chunk.bytes, hash);
    } finally {
      closeSync(chunkFd);
    }
  }
  if (hash.digest("hex") !== sha256 || versions.get(file) !== version(fd)) {
    matched.delete(key);
    throw new OrchestratorError(
      "store_tampered",
      `the artifact at ${field.field_path} in ${field.dir} no longer matches the sha256 its event recorded; it was changed after it was written`,
    );
  }
  if (matched.size >= MAX_MATCHED) matched.delete(matched.keys().next().value as string);
  matched.set(key, versions);
}
