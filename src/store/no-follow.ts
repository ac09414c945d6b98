/**
 * File access inside a run store that never follows a symbolic link. The store lives in the agent's own cwd, where
 * a sandboxed agent can plant links (to ~/.bashrc, say) hoping the server writes through them. So every folder
 * from the cwd down is checked one level at a time (and made when missing), every file is opened with
 * O_NOFOLLOW, and new files are created exclusively: a link where the store expects a file or folder is refused
 * with a store_error naming the path, and nothing is written elsewhere.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { OrchestratorError } from "../core/errors.js";
import { STORE_DIR } from "./paths.js";

const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_WRONLY } = constants;

/** Store files and folders are the user's alone: they hold prompts, outputs and sessions. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const refused = (path: string, what: string): OrchestratorError =>
  new OrchestratorError(
    "store_error",
    `${path}: ${what} where the store expects its own; the store never writes through links (was it planted from inside the run's cwd?)`,
  );

function describe(path: string): string {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return "a symbolic link";
    if (stat.isDirectory()) return "a folder";
    return "a file that is already there";
  } catch {
    return "something that is not a plain file";
  }
}

/**
 * Makes `dir`, a folder inside a store, and each folder between it and the cwd holding that store. The cwd itself
 * is the caller's (resolved when the run was spawned); everything below it may have been touched by an agent.
 */
export function ensureStoreDir(dir: string): void {
  const base = storeBase(dir);
  let current = base;
  for (const part of relative(base, dir).split(sep)) {
    if (!part) continue;
    current = join(current, part);
    let stat = lstatSync(current, { throwIfNoEntry: false });
    if (stat === undefined) {
      try {
        mkdirSync(current, { mode: DIR_MODE });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      stat = lstatSync(current);
    }
    if (!stat.isDirectory()) throw refused(current, stat.isSymbolicLink() ? "a symbolic link" : "a file");
  }
}

/** The cwd that holds the store `path` is in: everything before its last store folder. */
function storeBase(path: string): string {
  const marker = `${sep}${STORE_DIR}`;
  let at = path.lastIndexOf(`${marker}${sep}`);
  if (at === -1 && path.endsWith(marker)) at = path.length - marker.length;
  if (at === -1) throw new Error(`not a path inside a run store: ${path}`);
  return path.slice(0, at) || sep;
}

/** Creates a new file for writing; it must not exist (a planted file or link is refused). */
export function createExclusive(path: string): number {
  try {
    return openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, FILE_MODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ELOOP") throw refused(path, describe(path));
    throw error;
  }
}

/**
 * Opens (or creates) a log to append to. An existing one must be a plain file with one name: a hard link to a
 * file elsewhere would take the appends too.
 */
export function openForAppend(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw refused(path, "a symbolic link");
    throw error;
  }
  const stat = fstatSync(fd);
  if (!stat.isFile() || stat.nlink !== 1) {
    closeQuietly(fd);
    throw refused(path, stat.isFile() ? "a file with another name elsewhere (a hard link)" : describe(path));
  }
  return fd;
}

/** Opens a store file to read; a link is refused rather than read through. Throws ENOENT as usual. */
export function openForRead(path: string): number {
  try {
    return openSync(path, O_RDONLY | O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") {
      throw refused(path, "a symbolic link");
    }
    throw error;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing more to do with a descriptor that will not close.
  }
}
