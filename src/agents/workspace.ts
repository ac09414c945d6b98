/** Where turns may run: an existing directory, inside the agent's root when it has one (symlinks resolved). */
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { invalidInput } from "../core/errors.js";

export class Workspace {
  /** The root, resolved; undefined when any directory may be used. */
  readonly root?: string;
  /** The directory a conversation gets when its first message names none. */
  readonly defaultCwd: string;

  constructor(root?: string, defaultCwd?: string) {
    this.root = root === undefined ? undefined : directory("root", root);
    this.defaultCwd = this.resolve(defaultCwd ?? this.root ?? process.cwd(), "default cwd");
  }

  /** The real path of `cwd`; throws invalid_input for a missing directory or one outside the root. */
  resolve(cwd: string | undefined, field = "metadata.cwd"): string {
    if (cwd === undefined) return this.defaultCwd;
    const real = directory(field, cwd);
    if (this.root !== undefined && !inside(this.root, real)) {
      throw invalidInput(field, `${cwd} is outside this agent's root ${this.root}`);
    }
    return real;
  }
}

function directory(field: string, path: string): string {
  if (!isAbsolute(path) || path.includes("\0")) {
    throw invalidInput(field, `expected an absolute directory path, got ${JSON.stringify(path)}`);
  }
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw invalidInput(field, `no such directory: ${path}`);
  }
  if (!statSync(real).isDirectory()) throw invalidInput(field, `not a directory: ${path}`);
  return real;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}
