/** The run catalog: a SQLite index of every run in every cwd, so list_runs filters and pages without opening run files. */
import { mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { OrchestratorError } from "../core/errors.js";
import {
  isTerminal,
  RUN_STATUSES,
  type RunRecord,
  type RunStatus,
  type RunSummary,
  type SessionRecord,
  toSummary,
} from "../core/run.js";
import { writeJsonAtomic } from "./atomic-file.js";
import { storeFailure } from "./store-error.js";

export interface RunFilter {
  status?: RunStatus;
  backend?: string;
  role?: string;
  cwd?: string;
  session_id?: string;
  limit: number;
  cursor?: string;
}

export interface RunPage {
  runs: RunSummary[];
  next_cursor?: string;
}

const SCHEMA_VERSION = 1;
const BUSY_TIMEOUT_MS = 5000;
const FILTER_COLUMNS = ["status", "backend", "role", "cwd", "session_id"] as const;
const UNFINISHED = RUN_STATUSES.filter((status) => !isTerminal(status));
/**
 * The unfinished statuses as SQL literals, frozen: a partial index serves only queries whose WHERE repeats its
 * own literally, and the index below is created once in every catalog, whatever a later version adds.
 */
const UNFINISHED_SQL = "status IN ('queued', 'running', 'input_required', 'auth_required')";
/**
 * Who hosts the unfinished runs is asked on every listing; an index of those runs only keeps that cheap. Created
 * at open rather than by a schema migration: it only adds, and older servers on the same home keep working.
 */
const UNFINISHED_HOSTS_INDEX = `CREATE INDEX IF NOT EXISTS runs_unfinished_by_host ON runs (host_pid, host_start_time)
  WHERE ${UNFINISHED_SQL}`;

/**
 * Which backend conversation each session continues, kept here as well as in the session file: the file sits in
 * the agent's cwd, and a forged one must not point a resume at another conversation. Created at open, like the
 * index above, so older servers on the same home keep working.
 */
const SESSIONS_TABLE = `CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  backend TEXT NOT NULL,
  cwd TEXT NOT NULL,
  backend_session_id TEXT,
  updated_at TEXT NOT NULL
) WITHOUT ROWID`;

/** What the catalog keeps of a session. */
export type KeptSession = Pick<SessionRecord, "session_id" | "backend" | "cwd" | "backend_session_id">;

/** MIGRATIONS[v] takes the schema from version v to v + 1: a bump appends one and never edits one. */
const MIGRATIONS = [
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     session_id TEXT NOT NULL,
     backend TEXT NOT NULL,
     role TEXT NOT NULL,
     status TEXT NOT NULL,
     cwd TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     host_pid INTEGER,
     host_start_time TEXT,
     record_json TEXT NOT NULL
   );
   CREATE INDEX runs_by_created ON runs (created_at, run_id);
   ${FILTER_COLUMNS.map((c) => `CREATE INDEX runs_by_${c} ON runs (${c}, created_at, run_id);`).join("\n")}
   CREATE INDEX runs_by_cwd_status ON runs (cwd, status, created_at, run_id);
   CREATE TABLE roots (cwd TEXT PRIMARY KEY) WITHOUT ROWID;`,
];

/** The database cannot be trusted as it is: move it aside and start over. */
class CorruptCatalog extends Error {}

const isCorruption = (error: unknown): boolean => {
  if (error instanceof CorruptCatalog) return true;
  const code = error instanceof Database.SqliteError ? error.code : "";
  return code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT");
};

const storeError = (error: unknown): OrchestratorError => storeFailure("catalog", error);

const badCursor = (): OrchestratorError =>
  new OrchestratorError("invalid_input", "cursor: expected a next_cursor returned by list_runs");

const encodeCursor = (createdAt: string, runId: string): string =>
  Buffer.from(JSON.stringify([createdAt, runId])).toString("base64url");

function decodeCursor(cursor: string): [string, string] {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(value) || value.length !== 2) throw badCursor();
  const [createdAt, runId] = value;
  if (typeof createdAt !== "string" || typeof runId !== "string") throw badCursor();
  return [createdAt, runId];
}

/** The SQL behind `list`, exported so a test can check its query plan. */
export function buildListQuery(filter: RunFilter): { sql: string; params: (string | number)[] } {
  if (!Number.isInteger(filter.limit) || filter.limit < 1) {
    throw new OrchestratorError("invalid_input", "limit: expected a positive integer");
  }
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  for (const column of FILTER_COLUMNS) {
    const value = filter[column];
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    params.push(value);
  }
  if (filter.cursor !== undefined) {
    clauses.push("(created_at, run_id) < (?, ?)");
    params.push(...decodeCursor(filter.cursor));
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "";
  params.push(filter.limit + 1);
  return {
    sql: `SELECT created_at, run_id, record_json FROM runs ${where} ORDER BY created_at DESC, run_id DESC LIMIT ?`,
    params,
  };
}

function readRootsFile(path: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    // Written atomically, so a bad file was damaged from outside: the table still has the roots to rewrite it.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError) return [];
    throw error;
  }
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

const inode = (path: string): number | undefined => statSync(path, { throwIfNoEntry: false })?.ino;

function moveAside(path: string): void {
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      renameSync(path + suffix, aside + suffix);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

interface RunRow {
  run_id: string;
  session_id: string;
  backend: string;
  role: string;
  status: string;
  cwd: string;
  created_at: string;
  updated_at: string;
  host_pid: number | null;
  host_start_time: string | null;
  record_json: string;
}

const RUN_COLUMNS: (keyof RunRow)[] = [
  "run_id",
  "session_id",
  "backend",
  "role",
  "status",
  "cwd",
  "created_at",
  "updated_at",
  "host_pid",
  "host_start_time",
  "record_json",
];

const UPSERT_SQL = `INSERT INTO runs (${RUN_COLUMNS.join(", ")}) VALUES (${RUN_COLUMNS.map((c) => `@${c}`).join(", ")})
  ON CONFLICT (run_id) DO UPDATE SET ${RUN_COLUMNS.slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}`;

/**
 * The upsert of a rebuild: a record read from disk never replaces a row a live server has written since, nor the
 * row of a finished run, which is final: run files sit in the agent's cwd, where it can rewrite them.
 */
const MERGE_SQL = `${UPSERT_SQL} WHERE excluded.updated_at >= runs.updated_at AND runs.${UNFINISHED_SQL}`;

const toRow = (record: RunRecord): RunRow => ({
  run_id: record.run_id,
  session_id: record.session_id,
  backend: record.backend,
  role: record.role,
  status: record.status,
  cwd: record.cwd,
  created_at: record.created_at,
  updated_at: record.updated_at,
  host_pid: record.host?.pid ?? null,
  host_start_time: record.host?.start_time ?? null,
  record_json: JSON.stringify(record),
});

const isBusy = (error: unknown): boolean =>
  error instanceof Error && /^SQLITE_BUSY|^SQLITE_LOCKED/.test((error as { code?: string }).code ?? "");

export class Catalog {
  private readonly upsertStatement: Database.Statement<RunRow>;
  private readonly getStatement: Database.Statement<[string], { record_json: string }>;
  /** The skip-scan of unfinishedHosts(): next host pid, and the first and next start time of one pid. */
  private readonly hostStatements: Record<"nextPid" | "firstStart" | "nextStart", Database.Statement>;
  private readonly listStatements = new Map<string, Database.Statement>();
  private readonly knownRoots = new Set<string>();
  private readonly rootsFile: string;

  private constructor(
    home: string,
    private readonly db: Database.Database,
    /** The catalog starts empty (new, or the old one was corrupt): the caller must reindex from run files. */
    readonly rebuiltFromScratch: boolean,
  ) {
    this.rootsFile = join(home, "roots.json");
    this.upsertStatement = db.prepare(UPSERT_SQL);
    this.getStatement = db.prepare("SELECT record_json FROM runs WHERE run_id = ?");
    const from = `FROM runs INDEXED BY runs_unfinished_by_host WHERE ${UNFINISHED_SQL}`;
    this.hostStatements = {
      nextPid: db.prepare(`SELECT host_pid ${from} AND host_pid > ? ORDER BY host_pid LIMIT 1`).pluck(),
      firstStart: db
        .prepare(`SELECT host_start_time ${from} AND host_pid = ? ORDER BY host_start_time LIMIT 1`)
        .pluck(),
      nextStart: db
        .prepare(
          `SELECT host_start_time ${from} AND host_pid = ? AND host_start_time > ? ORDER BY host_start_time LIMIT 1`,
        )
        .pluck(),
    };
    this.syncRoots();
  }

  static open(home: string): Catalog {
    const path = join(home, "catalog.db");
    try {
      mkdirSync(home, { recursive: true });
      const before = inode(path);
      try {
        return Catalog.connectWhenFree(home, path);
      } catch (error) {
        if (!isCorruption(error)) throw error;
        // Another process that met the same bad file may have replaced it already: keep its fresh one.
        if (inode(path) === before) moveAside(path);
        return Catalog.connect(home, path, true);
      }
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Switching a new database to WAL (and creating its schema) can meet another process doing the same; SQLite
   * then answers SQLITE_BUSY at once, without its busy handler, so the open is retried for a while.
   */
  private static connectWhenFree(home: string, path: string): Catalog {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      try {
        return Catalog.connect(home, path, false);
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.random() * 30);
      }
    }
  }

  private static connect(home: string, path: string, rebuilt: boolean): Catalog {
    const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      const check = db.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new CorruptCatalog(`quick_check: ${String(check)}`);
      const created = Catalog.migrate(db);
      return new Catalog(home, db, rebuilt || created);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Brings the schema to SCHEMA_VERSION; true when it had to create it from nothing. */
  private static migrate(db: Database.Database): boolean {
    // IMMEDIATE: two processes opening a new home at once must not both create the schema.
    return db
      .transaction(() => {
        db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
        const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
          | { value: string }
          | undefined;
        const from = row === undefined ? 0 : Number(row.value);
        if (!Number.isInteger(from) || from < 0 || from > SCHEMA_VERSION) {
          throw new CorruptCatalog(`unknown schema version ${row?.value}`);
        }
        if (from < SCHEMA_VERSION) {
          for (const sql of MIGRATIONS.slice(from)) db.exec(sql);
          db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(
            String(SCHEMA_VERSION),
          );
        }
        db.exec(UNFINISHED_HOSTS_INDEX);
        db.exec(SESSIONS_TABLE);
        return from === 0;
      })
      .immediate();
  }

  private guard<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw storeError(error);
    }
  }

  upsert(record: RunRecord): void {
    this.guard(() => this.upsertStatement.run(toRow(record)));
  }

  get(runId: string): RunRecord | undefined {
    return this.guard(() => {
      const row = this.getStatement.get(runId);
      return row === undefined ? undefined : (JSON.parse(row.record_json) as RunRecord);
    });
  }

  list(filter: RunFilter): RunPage {
    const { sql, params } = buildListQuery(filter);
    return this.guard(() => {
      let statement = this.listStatements.get(sql);
      if (statement === undefined) {
        statement = this.db.prepare(sql);
        this.listStatements.set(sql, statement);
      }
      const rows = statement.all(...params) as { created_at: string; run_id: string; record_json: string }[];
      const more = rows.length > filter.limit;
      const page = more ? rows.slice(0, filter.limit) : rows;
      const last = page.at(-1);
      return {
        runs: page.map((row) => toSummary(JSON.parse(row.record_json) as RunRecord)),
        ...(more && last ? { next_cursor: encodeCursor(last.created_at, last.run_id) } : {}),
      };
    });
  }

  /**
   * The processes other than `exceptPid` hosting unfinished runs: few, so a reader can check that each is still
   * alive. A skip-scan of the index of unfinished runs: one seek per host, however many runs each has.
   */
  unfinishedHosts(exceptPid: number): { pid: number; start_time: string }[] {
    return this.guard(() => {
      const { nextPid, firstStart, nextStart } = this.hostStatements;
      const hosts: { pid: number; start_time: string }[] = [];
      for (
        let pid = nextPid.get(0) as number | undefined;
        pid !== undefined;
        pid = nextPid.get(pid) as number
      ) {
        if (pid === exceptPid) continue;
        for (
          let start = firstStart.get(pid) as string | null | undefined;
          start !== undefined && start !== null;
          start = nextStart.get(pid, start) as string | undefined
        ) {
          hosts.push({ pid, start_time: start });
        }
      }
      return hosts;
    });
  }

  listUnfinished(): RunRecord[] {
    return this.guard(() => {
      const marks = UNFINISHED.map(() => "?").join(", ");
      const rows = this.db
        .prepare(`SELECT record_json FROM runs WHERE status IN (${marks}) ORDER BY created_at, run_id`)
        .all(...UNFINISHED) as { record_json: string }[];
      return rows.map((row) => JSON.parse(row.record_json) as RunRecord);
    });
  }

  /**
   * Brings the index in line with run records read from disk while other servers may be writing it: a record
   * replaces its row only when it is at least as new, and a row the scan did not see is dropped only if
   * `onDisk` (asked under the write lock) says its run is gone, so a run spawned during the scan stays.
   * Returns how many records it was given.
   */
  merge(records: Iterable<RunRecord>, onDisk: (cwd: string, runId: string) => boolean): number {
    // Read every record before taking the write lock, so the other process waits for SQLite, not for our disk.
    const rows = Array.from(records, toRow);
    const seen = new Set(rows.map((row) => row.run_id));
    return this.guard(() =>
      this.db
        .transaction(() => {
          const merge = this.db.prepare(MERGE_SQL);
          for (const row of rows) merge.run(row);
          const drop = this.db.prepare("DELETE FROM runs WHERE run_id = ?");
          const indexed = this.db.prepare("SELECT run_id, cwd FROM runs").all() as {
            run_id: string;
            cwd: string;
          }[];
          for (const { run_id, cwd } of indexed) {
            if (!seen.has(run_id) && !onDisk(cwd, run_id)) drop.run(run_id);
          }
          return rows.length;
        })
        .immediate(),
    );
  }

  putSession(session: SessionRecord): void {
    this.guard(() =>
      this.db
        .prepare(
          `INSERT INTO sessions (session_id, backend, cwd, backend_session_id, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (session_id) DO UPDATE SET backend_session_id = excluded.backend_session_id,
             updated_at = excluded.updated_at`,
        )
        .run(
          session.session_id,
          session.backend,
          session.cwd,
          session.backend_session_id ?? null,
          session.updated_at,
        ),
    );
  }

  getSession(sessionId: string): KeptSession | undefined {
    return this.guard(() => {
      const row = this.db
        .prepare("SELECT session_id, backend, cwd, backend_session_id FROM sessions WHERE session_id = ?")
        .get(sessionId) as (KeptSession & { backend_session_id: string | null }) | undefined;
      if (row === undefined) return undefined;
      const { backend_session_id, ...rest } = row;
      return backend_session_id === null ? rest : { ...rest, backend_session_id };
    });
  }

  count(): number {
    return this.guard(() => this.db.prepare("SELECT count(*) FROM runs").pluck().get() as number);
  }

  addRoot(cwd: string): void {
    if (this.knownRoots.has(cwd)) return;
    this.guard(() => this.syncRoots(cwd));
  }

  roots(): string[] {
    return this.guard(() => {
      const all = new Set([...this.tableRoots(), ...readRootsFile(this.rootsFile)]);
      return [...all].sort();
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private tableRoots(): string[] {
    return this.db.prepare("SELECT cwd FROM roots").pluck().all() as string[];
  }

  /**
   * Makes the table and roots.json each hold the union of both (plus `extra`). The write lock of the
   * transaction doubles as a lock on the file, so two processes merging at once cannot drop each other's roots.
   */
  private syncRoots(extra?: string): void {
    this.db
      .transaction(() => {
        const inTable = new Set(this.tableRoots());
        const inFile = new Set(readRootsFile(this.rootsFile));
        const all = new Set([...inTable, ...inFile, ...(extra === undefined ? [] : [extra])]);
        const insert = this.db.prepare("INSERT OR IGNORE INTO roots (cwd) VALUES (?)");
        for (const root of all) if (!inTable.has(root)) insert.run(root);
        if ([...all].some((root) => !inFile.has(root)))
          writeJsonAtomic(this.rootsFile, [...all].sort(), { inStore: false });
        for (const root of all) this.knownRoots.add(root);
      })
      .immediate();
  }
}
