/**
 * Disk trouble for tests, two ways:
 * - `fullDisk`: writes under one directory fail with ENOSPC, as on a full disk. It patches node:fs in this
 *   process (syncBuiltinESMExports carries the patch to every ESM import of it), tracking which path each file
 *   descriptor was opened on, so a log opened before the disk filled fails too.
 * - `readOnly`: a real directory the server cannot write: mode 0555 for a normal user; for root, whom modes do
 *   not stop, the immutable attribute (chattr +i), which even an open descriptor cannot write through.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";

export interface FullDisk {
  /** From now on, writes under `dir` fail with ENOSPC. */
  fill(dir: string): void;
  /** Writes succeed again. */
  free(): void;
  /** Writes refused so far. */
  readonly refused: number;
  /** Puts node:fs back as it was. */
  uninstall(): void;
}

export function fullDisk(): FullDisk {
  const { openSync, closeSync, writeSync } = fs;
  const paths = new Map<number, string>();
  let full: string | undefined;
  let refused = 0;
  const under = (path: string) => full !== undefined && (path === full || path.startsWith(full + sep));
  const patched = fs as unknown as Record<string, unknown>;
  patched.openSync = (path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(path, ...rest);
    paths.set(fd, String(path));
    return fd;
  };
  patched.closeSync = (fd: number) => {
    paths.delete(fd);
    closeSync(fd);
  };
  patched.writeSync = (fd: number, ...rest: unknown[]) => {
    if (under(paths.get(fd) ?? "")) {
      refused++;
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
        code: "ENOSPC",
        errno: -28,
        syscall: "write",
      });
    }
    return (writeSync as (...a: unknown[]) => number)(fd, ...rest);
  };
  syncBuiltinESMExports();
  return {
    fill: (dir) => {
      full = dir;
    },
    free: () => {
      full = undefined;
    },
    get refused() {
      return refused;
    },
    uninstall: () => {
      Object.assign(patched, { openSync, closeSync, writeSync });
      syncBuiltinESMExports();
    },
  };
}

export interface ReadOnly {
  /** Makes `dir` and the files directly in it unwritable. */
  protect(dir: string): void;
  /** Makes everything protected writable again. */
  release(): void;
}

const isRoot = () => process.getuid?.() === 0;

/** Undefined when this machine offers no way to do it (root on a file system without chattr +i). */
export function readOnly(): ReadOnly | undefined {
  const protectedPaths: string[] = [];
  if (!isRoot()) {
    return {
      protect: (dir) => {
        fs.chmodSync(dir, 0o555);
        protectedPaths.push(dir);
      },
      release: () => {
        for (const dir of protectedPaths.splice(0)) fs.chmodSync(dir, 0o755);
      },
    };
  }
  const chattr = (flag: string, paths: string[]) =>
    paths.length === 0 || spawnSync("chattr", [flag, ...paths], { stdio: "ignore" }).status === 0;
  const probe = fs.mkdtempSync(join(tmpdir(), "orch-chattr-"));
  const works = chattr("+i", [probe]) && chattr("-i", [probe]);
  fs.rmdirSync(probe);
  if (!works) return undefined;
  return {
    protect: (dir) => {
      const paths = [dir, ...fs.readdirSync(dir).map((name) => join(dir, name))];
      if (!chattr("+i", paths)) throw new Error(`chattr +i ${dir} failed`);
      protectedPaths.push(...paths);
    },
    release: () => {
      if (!chattr("-i", protectedPaths.splice(0))) throw new Error("chattr -i failed");
    },
  };
}
