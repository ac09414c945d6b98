/** Looking through the files a test left on disk. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every file under `roots` whose bytes contain `needle` (a secret that must never be stored). */
export function filesContaining(roots: string[], needle: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (readFileSync(path).includes(needle)) found.push(path);
    }
  };
  for (const root of roots) walk(root);
  return found;
}
