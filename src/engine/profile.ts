/**
 * Persona files are read only from inside the run's cwd or the profiles folder, links resolved first. A path
 * outside gets one refusal whatever lies there, so `profile` cannot be used to probe the disk, and nothing
 * outside ever reaches an agent's prompt.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { invalidInput, OrchestratorError } from "../core/errors.js";

const MAX_PROFILE_BYTES = 256 * 1024;

/** Reads a persona file; a relative path is taken from the run's cwd. */
export function profileText(
  field: string,
  value: unknown,
  cwd: string,
  profilesDir: string,
): { path: string; text: string } {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    throw invalidInput(field, "expected a path to a persona file");
  }
  const roots = [cwd, profilesDir].flatMap((dir) => realOrNone(dir) ?? []);
  const outside = invalidInput(
    field,
    `expected a persona file inside cwd (${cwd}) or the profiles folder (${profilesDir}, ORCHESTRATOR_PROFILES_DIR)`,
  );
  const path = resolvedPath(resolve(cwd, value));
  if (path === undefined || !within(roots, path)) throw outside;
  let fd: number;
  try {
    // O_NOFOLLOW and O_NONBLOCK: a link swapped in since the check, or a FIFO, is not followed or waited on.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw invalidInput(field, `cannot read persona file ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
  try {
    const opened = openedPath(fd);
    if (opened !== undefined && !within(roots, opened)) throw outside;
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw invalidInput(field, `persona file ${path} is not a regular file`);
    if (stat.size > MAX_PROFILE_BYTES) throw invalidInput(field, `at most ${MAX_PROFILE_BYTES} bytes`);
    const text = readFileSync(fd, "utf8");
    if (text.trim() === "") throw invalidInput(field, `persona file ${path} is empty`);
    return { path, text };
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    throw invalidInput(field, `cannot read persona file ${path}: ${(error as NodeJS.ErrnoException).code}`);
  } finally {
    closeSync(fd);
  }
}

function realOrNone(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The path with every link resolved. A missing file resolves through its deepest existing folder, so the check
 * sees where it would be; anything else that stops the resolution (a dangling or unreadable link, a file used as
 * a folder) gives undefined, which is refused like a path outside: else a link's error would tell what its
 * target is.
 */
function resolvedPath(path: string): string | undefined {
  const real = realOrNone(path);
  if (real !== undefined) return real;
  const missing: string[] = [];
  for (let dir = path; dirname(dir) !== dir; ) {
    missing.unshift(basename(dir));
    dir = dirname(dir);
    const base = realOrNone(dir);
    if (base === undefined) continue;
    try {
      lstatSync(join(base, missing[0] as string));
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ENOENT" ? join(base, ...missing) : undefined;
    }
  }
  return undefined;
}

function within(roots: string[], path: string): boolean {
  return roots.some((root) => {
    const rel = relative(root, path);
    return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  });
}

/** Where an open file really is (Linux names it under /proc); undefined where the system does not say. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}
