/**
 * Artifact of 200 MiB: one event whose stdout is 200 MiB of text goes through the engine (sanitize, artifact
 * chunks, event line) against fs.writeFileSync of the same string, each side in its own process
 * (bench/artifact-child.ts) so that its peak RSS is its own; then the artifact is paged back whole through
 * getEventArtifact against fs reads of the baseline's file, page for page.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../src/engine/engine.js";
import type { ArtifactRef } from "../src/events/types.js";
import type { ChildReport } from "./artifact-child.js";
import {
  type Bench,
  benchEngine,
  bytes,
  count,
  duration,
  msSince,
  nowNs,
  num,
  percentile,
  type Row,
  rate,
  ratio,
  runChild,
  Scratch,
} from "./lib.js";

const REPEATS = 3;
/** getEventArtifact's largest page, and its default one. */
const PAGES = [
  { name: "1 MiB", which: "the largest", bytes: 1024 * 1024 },
  { name: "64 KiB", which: "the default", bytes: 64 * 1024 },
];

/** Where the sides left the payload: the engine's run (in `home`) and the baseline's file. */
interface Written {
  engine: ChildReport[];
  raw: ChildReport[];
  home: string;
  runId: string;
  file: string;
}

/** The artifact to read back: the event that holds it and its ref. */
interface Stored {
  runId: string;
  seq: number;
  ref: ArtifactRef;
  file: string;
}

/** Pages read back whole, and how long the reads took (hashing comes after the clock stops). */
interface ReadBack {
  ms: number;
  sha256: string;
  bytes: number;
}

const median = (reports: ChildReport[], pick: (r: ChildReport) => number): number =>
  percentile(reports.map(pick), 50);

/** One child a side per repeat, alternating, so drift on the machine falls on both alike. */
function writeBoth(size: number, scratch: Scratch): Written {
  const written: Written = { engine: [], raw: [], home: "", runId: "", file: "" };
  for (let i = 0; i < REPEATS; i++) {
    // Only the last pair is read back: drop the others rather than hold REPEATS × 2 payloads on disk.
    scratch.cleanup();
    written.home = scratch.dir("artifact-home");
    const cwd = scratch.dir("artifact-cwd");
    const viaEngine = runChild<ChildReport>("./artifact-child.ts", [
      "engine",
      String(size),
      written.home,
      cwd,
    ]);
    written.engine.push(viaEngine);
    written.runId = viaEngine.runId ?? "";
    written.file = join(scratch.dir("artifact-raw"), "payload.txt");
    written.raw.push(runChild<ChildReport>("./artifact-child.ts", ["write", String(size), written.file]));
  }
  return written;
}

/** The run's one event with artifact_refs, found through the store as any later process would. */
async function findArtifact(engine: Engine, written: Written): Promise<Stored> {
  const page = await engine.pollEvents({ run_id: written.runId, after_seq: 0, limit: 1000 });
  for (const event of page.events) {
    const refs = event.data.artifact_refs;
    if (Array.isArray(refs) && refs.length === 1) {
      return { runId: written.runId, seq: event.seq, ref: refs[0] as ArtifactRef, file: written.file };
    }
  }
  throw new Error(`artifact: run ${written.runId} has no event with one artifact`);
}

/**
 * Reads pages until `next` returns undefined. Only the reads are timed: each page is hashed with the clock stopped
 * and then dropped, so that neither hashing nor holding the payload in memory weighs on the figure.
 */
function timedPages(next: () => string | undefined): ReadBack {
  const hash = createHash("sha256");
  let ms = 0;
  let total = 0;
  for (;;) {
    const start = nowNs();
    const page = next();
    ms += msSince(start);
    if (page === undefined) return { ms, sha256: hash.digest("hex"), bytes: total };
    hash.update(page, "utf8");
    total += Buffer.byteLength(page);
  }
}

function throughEngine(engine: Engine, stored: Stored, pageBytes: number): ReadBack {
  let offset = 0;
  let done = false;
  return timedPages(() => {
    if (done) return undefined;
    const page = engine.getEventArtifact({
      run_id: stored.runId,
      seq: stored.seq,
      field_path: stored.ref.field_path,
      offset,
      limit: pageBytes,
    });
    offset = page.next_offset;
    done = !page.has_more;
    return page.content;
  });
}

/** The floor: readSync of a page at a time into one buffer, decoded to a string as the engine's page is. */
function throughFs(file: string, pageBytes: number): ReadBack {
  const buffer = Buffer.allocUnsafe(pageBytes);
  const fd = openSync(file, "r");
  let position = 0;
  try {
    return timedPages(() => {
      const read = readSync(fd, buffer, 0, pageBytes, position);
      position += read;
      return read === 0 ? undefined : buffer.toString("utf8", 0, read);
    });
  } finally {
    closeSync(fd);
  }
}

/** Median read-back time of each side over REPEATS alternating rounds; every round's bytes are checked. */
function readBoth(
  engine: Engine,
  stored: Stored,
  size: number,
  pageBytes: number,
): { engineMs: number; fsMs: number } {
  const engineMs: number[] = [];
  const fsMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const viaEngine = throughEngine(engine, stored, pageBytes);
    const viaFs = throughFs(stored.file, pageBytes);
    if (viaEngine.bytes !== size || viaFs.bytes !== size || viaEngine.sha256 !== viaFs.sha256) {
      throw new Error(
        `artifact: read back ${viaEngine.bytes} bytes (sha256 ${viaEngine.sha256}) through the engine, ` +
          `${viaFs.bytes} (sha256 ${viaFs.sha256}) from the file; expected ${size} alike`,
      );
    }
    engineMs.push(viaEngine.ms);
    fsMs.push(viaFs.ms);
  }
  return { engineMs: percentile(engineMs, 50), fsMs: percentile(fsMs, 50) };
}

/**
 * Opens an engine over the written store (a fresh one, as a later server would) and reads the artifact back
 * whole at each page size.
 */
async function readBack(written: Written, size: number): Promise<{ engineMs: number; fsMs: number }[]> {
  const engine = benchEngine(written.home);
  try {
    const stored = await findArtifact(engine, written);
    if (stored.ref.total_bytes !== size) {
      throw new Error(`artifact: the ref says ${stored.ref.total_bytes} bytes, expected ${size}`);
    }
    return PAGES.map((page) => readBoth(engine, stored, size, page.bytes));
  } finally {
    await engine.shutdown();
  }
}

export const artifact: Bench = async ({ quick }) => {
  const size = (quick ? 20 : 200) * 1024 * 1024;
  const scratch = new Scratch();
  try {
    const written = writeBoth(size, scratch);
    const read = await readBack(written, size);
    const engine = (pick: (r: ChildReport) => number) => median(written.engine, pick);
    const raw = (pick: (r: ChildReport) => number) => median(written.raw, pick);
    const peak = { engine: engine((r) => r.peakRss), raw: raw((r) => r.peakRss) };
    const start = { engine: engine((r) => r.startRss), raw: raw((r) => r.startRss) };
    const copies = { engine: (peak.engine - start.engine) / size, raw: (peak.raw - start.raw) / size };
    const ms = { engine: engine((r) => r.ms), raw: raw((r) => r.ms) };
    const rows: Row[] = [
      {
        name: `spawn → completed vs writeFileSync, median of ${REPEATS}`,
        figure: duration(ms.engine),
        baseline: duration(ms.raw),
        ratio: ratio(ms.engine, ms.raw),
      },
      {
        name: `peak RSS (maxRSS), median of ${REPEATS}`,
        figure: bytes(peak.engine),
        baseline: bytes(peak.raw),
        ratio: ratio(peak.engine, peak.raw),
      },
      {
        name: "peak RSS / payload",
        figure: `${num(peak.engine / size)}×`,
        baseline: `${num(peak.raw / size)}×`,
        ratio: ratio(peak.engine, peak.raw),
      },
      {
        name: "copies held at peak: (peak − start RSS) / payload",
        figure: num(copies.engine),
        baseline: num(copies.raw),
        ratio: ratio(copies.engine, copies.raw),
      },
      ...PAGES.map((page, i) => {
        const { engineMs, fsMs } = read[i] ?? { engineMs: 0, fsMs: 0 };
        return {
          name: `read back whole in ${page.name} pages (${page.which}), median of ${REPEATS}`,
          figure: duration(engineMs),
          baseline: duration(fsMs),
          ratio: ratio(engineMs, fsMs),
        };
      }),
    ];
    return {
      title: `Artifact of ${bytes(size)}`,
      notes: [
        `Figure: a hosted run whose backend yields one command_finished event with a stdout of ${bytes(size)} ` +
          "(ASCII lines, built before the clock starts); time from spawnRun to the run's completed status: the " +
          "sanitizer moves stdout to an artifact (a preview stays inline), writeArtifacts writes it in 1 MiB " +
          "chunk files (each fsynced) and a manifest, then the event line, run.json and result.json.",
        "Baseline: fs.writeFileSync of the same string to one file. Each side runs in its own child process " +
          "(bench/artifact-child.ts: same modules loaded, same payload built the same way), so its peak RSS " +
          `(process.resourceUsage().maxRSS) is its own; ${REPEATS} children a side, alternating. Start RSS ` +
          `(after loading, before the payload) was ${bytes(start.engine)} vs ${bytes(start.raw)}.`,
        `While the engine wrote the artifact the event loop was blocked for up to ` +
          `${duration(engine((r) => r.stallMs ?? 0))}: nothing else (a poll, another run) was served meanwhile.`,
        "Read back: in this process, on a fresh engine over the same home, getEventArtifact({limit}) following " +
          "next_offset to the end, against readSync of `limit` bytes at a time from the baseline's file into " +
          "one buffer, decoded to a string as the engine's page is; both warm in the page cache. Only the reads " +
          "are timed: each page is hashed with the clock stopped, and every round's sha256 and length match " +
          `(${count(size)} bytes). Throughput, engine vs fs: ` +
          PAGES.map((page, i) => {
            const mib = size / 2 ** 20;
            const { engineMs = 0, fsMs = 0 } = read[i] ?? {};
            return `${page.name} pages ${rate(mib / (engineMs / 1000), "MiB")} vs ${rate(mib / (fsMs / 1000), "MiB")}`;
          }).join("; ") +
          ".",
      ],
      rows,
    };
  } finally {
    scratch.cleanup();
  }
};
