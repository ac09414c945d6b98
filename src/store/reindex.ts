/**
 * Rebuilds the catalog from the run files of every cwd it knows: the files are the truth, the catalog an index.
 * Safe while servers run on the same home: their newer writes win over what the scan read.
 */

import { existsSync } from "node:fs";
import type { RunRecord } from "../core/run.js";
import type { Catalog } from "./catalog.js";
import { runDir } from "./paths.js";
import { listRunIds, readRunRecord } from "./run-files.js";

export interface ReindexReport {
  runs: number;
  /** Runs whose run.json could not be read, with the reason. */
  skipped: { path: string; reason: string }[];
}

export function rebuildCatalog(catalog: Catalog, extraRoots: string[] = []): ReindexReport {
  const skipped: ReindexReport["skipped"] = [];
  const records: RunRecord[] = [];
  for (const root of extraRoots) catalog.addRoot(root);
  for (const root of catalog.roots()) {
    for (const runId of listRunIds(root)) {
      try {
        const record = readRunRecord(root, runId);
        if (record) records.push(record);
      } catch (error) {
        skipped.push({ path: `${root}/${runId}`, reason: (error as Error).message });
      }
    }
  }
  // A row is kept while its run's folder exists: a server writes the row before run.json (see Engine.persist).
  return { runs: catalog.merge(records, (cwd, runId) => existsSync(runDir(cwd, runId))), skipped };
}
