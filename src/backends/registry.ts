/** The backends this server runs, by the name callers pass as `backend`. Adding one is one line here. */
import type { Backend } from "./types.js";

export function defaultBackends(): Map<string, Backend> {
  const backends: Backend[] = [];
  return new Map(backends.map((backend) => [backend.name, backend]));
}
