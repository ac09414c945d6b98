/**
 * The engine: run lifecycle, queueing, sessions, long-poll, cancel and continue. Its public methods are the
 * seam every front end (MCP tools, CLI) uses; it is the only writer of the runs it hosts.
 */
import type { Backend } from "../backends/types.js";
import { errorMessage, invalidInput, OrchestratorError } from "../core/errors.js";
import { assertId, newRunId, newSessionId } from "../core/ids.js";
import { messageShape, redactSecrets } from "../core/redact.js";
import {
  type InputMessage,
  isTerminal,
  RUN_STATUSES,
  type RunLimits,
  type RunRecord,
  type RunStatus,
  type RunSummary,
  type SessionRecord,
  toSummary,
} from "../core/run.js";
import type { ArtifactRef } from "../events/types.js";
import { readArtifactPage } from "../store/artifacts.js";
import { Catalog } from "../store/catalog.js";
import { lastSeq, readEvents } from "../store/event-log.js";
import { eventsFile, runDir } from "../store/paths.js";
import { type ReindexReport, rebuildCatalog } from "../store/reindex.js";
import {
  prepareStore,
  readRunRecord,
  readSessionRecord,
  writeRunRecord,
  writeSessionRecord,
} from "../store/run-files.js";
import { storeFailure } from "../store/store-error.js";
import { type EngineConfig, profilesDir } from "./config.js";
import { RunDeadlines } from "./deadlines.js";
import { driveRun } from "./drive-run.js";
import { finishedRecord, servableLog } from "./finished-record.js";
import { currentHost, isCurrentHost, isHostAlive } from "./host-process.js";
import { profileText } from "./profile.js";
import { needsRecovery, recoverRun } from "./recovery.js";
import type {
  ArtifactRequest,
  ArtifactResult,
  ContinueRequest,
  ContinueResult,
  ListRequest,
  ListResult,
  PollRequest,
  PollResult,
  SpawnRequest,
  SpawnResult,
} from "./requests.js";
import { type Answer, RunHandle, type RunInput } from "./run-handle.js";
import { Scheduler } from "./scheduler.js";
import { SessionSecrets } from "./session-secrets.js";
import { Supervisor } from "./supervisor.js";
import * as check from "./validate.js";
import { Waiters } from "./waiters.js";

const MAX_POLL_LIMIT = 1000;
const MAX_LIST_LIMIT = 200;
const MAX_ARTIFACT_PAGE = 1024 * 1024;
const FOREIGN_POLL_INTERVAL_MS = 200;

/** An answer to auth_required is a credential: only its shape is stored, never its values. */
const storedAnswer = (answer: Answer): Record<string, unknown> =>
  answer.waitingFor === "auth_required"
    ? { input_shape: messageShape(answer.message) }
    : { input: redactSecrets(answer.message) };

export class Engine {
  private readonly catalog: Catalog;
  private readonly hosted = new Map<string, RunHandle>();
  /** Ended runs the store refused to record in full: still hosted, so reads answer from memory. */
  private readonly stranded = new Set<RunHandle>();
  /** Hosts found dead whose runs were recovered: a run that could not be is retried when it is looked up. */
  private readonly deadHosts = new Set<string>();
  /** The credentials of recent sessions' backend_config: in memory only (the stored config is redacted). */
  private readonly sessionSecrets = new SessionSecrets();
  private readonly waiters = new Waiters();
  private readonly scheduler: Scheduler<RunHandle>;
  private readonly supervisor: Supervisor;
  private closing = false;

  constructor(
    readonly config: EngineConfig,
    private readonly backends: ReadonlyMap<string, Backend>,
  ) {
    this.catalog = Catalog.open(config.home);
    this.scheduler = new Scheduler<RunHandle>(config.maxConcurrency, (handle) => this.start(handle));
    this.supervisor = new Supervisor(this.scheduler, config.cancelGraceMs);
    if (this.catalog.rebuiltFromScratch) rebuildCatalog(this.catalog);
    this.recoverAll();
  }

  /** Backends this server can run. */
  get backendNames(): string[] {
    return [...this.backends.keys()];
  }

  spawnRun(request: SpawnRequest): SpawnResult {
    const backend = this.backendFor(request.backend);
    const role = check.label("role", request.role);
    const cwd = check.canonicalCwd("cwd", request.cwd);
    if (request.prompt === undefined && request.input_message === undefined) {
      throw invalidInput("prompt", "give prompt or input_message (at least one)");
    }
    const prompt = request.prompt === undefined ? undefined : check.prompt("prompt", request.prompt);
    const message =
      request.input_message === undefined
        ? undefined
        : check.inputMessage("input_message", request.input_message);
    const mode = request.session_mode ?? (request.session_id === undefined ? "new" : "resume");
    if (mode !== "new" && mode !== "resume") throw invalidInput("session_mode", 'expected "new" or "resume"');
    if (mode === "new" && request.session_id !== undefined) {
      throw invalidInput("session_id", 'only with session_mode "resume" (a new session gets a fresh id)');
    }
    if (mode === "resume" && request.session_id === undefined) {
      throw invalidInput("session_id", 'required with session_mode "resume"');
    }
    const profile =
      request.profile === undefined
        ? undefined
        : profileText("profile", request.profile, cwd, profilesDir(this.config));
    const outputSchema =
      request.output_schema === undefined
        ? undefined
        : check.specObject("output_schema", request.output_schema);
    const metadata = request.metadata === undefined ? undefined : check.metadataObject(request.metadata);
    const backendConfig =
      request.backend_config === undefined ? {} : check.specObject("backend_config", request.backend_config);
    backend.validateConfig?.(backendConfig);
    const limits = check.runLimits("limits", request.limits, this.config.runLimits);
    const session =
      mode === "resume"
        ? this.resumableSession(assertId("session_id", request.session_id), cwd, backend.name)
        : undefined;
    return this.createRun({
      backend: backend.name,
      role,
      cwd,
      session,
      metadata,
      limits,
      input: {
        prompt,
        input_message: message,
        profile_text: profile?.text,
        output_schema: outputSchema,
        backend_config: backendConfig,
        resume: session !== undefined,
      },
      profilePath: profile?.path,
    });
  }

  getRun(runId: string): RunSummary {
    return toSummary(this.current(runId));
  }

  async pollEvents(request: PollRequest): Promise<PollResult> {
    const runId = assertId("run_id", request.run_id);
    const afterSeq = check.nonNegativeInt("after_seq", request.after_seq, 0);
    const limit = Math.min(check.nonNegativeInt("limit", request.limit, 100), MAX_POLL_LIMIT);
    // No event could ever satisfy a wait for none: refused, rather than waiting out wait_ms for nothing.
    if (limit === 0) throw invalidInput("limit", `expected 1 to ${MAX_POLL_LIMIT} events`);
    const waitMs = Math.min(check.nonNegativeInt("wait_ms", request.wait_ms, 0), this.config.pollWaitCapMs);
    let record = this.current(runId);
    let path = servableLog(record);
    let page = readEvents(path, afterSeq, limit, this.config.pollMaxBytes);
    const started = Date.now();
    let reported = started;
    // A run hosted here wakes its pollers on append; one hosted elsewhere is checked on a short interval.
    const slice = this.hosted.has(runId) ? this.config.progressIntervalMs : FOREIGN_POLL_INTERVAL_MS;
    while (page.events.length === 0 && !isTerminal(record.status) && !request.signal?.aborted) {
      const left = waitMs - (Date.now() - started);
      if (left <= 0) break;
      await this.waiters.wait(runId, Math.min(left, slice), request.signal);
      record = this.current(runId);
      path = servableLog(record);
      page = readEvents(path, afterSeq, limit, this.config.pollMaxBytes);
      if (page.events.length === 0 && Date.now() - reported >= this.config.progressIntervalMs) {
        reported = Date.now();
        request.onWaiting?.(reported - started, waitMs);
      }
    }
    const last = page.events.at(-1);
    return {
      run_id: runId,
      status: record.status,
      events: page.events,
      next_after_seq: last ? last.seq : Math.min(afterSeq, page.last_seq),
      has_more: page.has_more,
    };
  }

  async cancelRun(runId: string): Promise<{ run_id: string; status: RunStatus }> {
    const record = this.current(runId);
    if (isTerminal(record.status)) return { run_id: record.run_id, status: record.status };
    const handle = this.hostedHandle(record);
    await this.supervisor.stop(
      handle,
      { type: "run_cancelled", data: { reason: "cancelled by the caller" } },
      { type: "run_cancelled", data: { reason: "cancelled by the caller before it started" } },
    );
    return { run_id: runId, status: handle.status };
  }

  async continueRun(request: ContinueRequest): Promise<ContinueResult> {
    const record = this.current(request.run_id);
    const message = this.continueMessage(request);
    if (record.status === "input_required" || record.status === "auth_required") {
      const handle = this.hostedHandle(record);
      const send = handle.backendRun?.sendInput;
      if (!send) {
        throw new OrchestratorError(
          "conflict",
          `run ${record.run_id}: its backend cannot take input while running`,
        );
      }
      const answer: Answer = { message, waitingFor: record.status, pending: record.pending_input };
      if (this.scheduler.unpark(handle)) await this.deliver(handle, answer, true);
      else {
        handle.queuedAnswer = answer;
        handle.append("status_changed", {
          status: "queued",
          reason: "input_received",
          waiting_for: `a free slot (ORCHESTRATOR_MAX_CONCURRENCY is ${this.config.maxConcurrency}); the answer is delivered then`,
          ...storedAnswer(answer),
        });
      }
      return { run_id: record.run_id, session_id: record.session_id, status: handle.status };
    }
    if (!isTerminal(record.status)) {
      throw new OrchestratorError(
        "conflict",
        `run ${record.run_id} is ${record.status}: continue_run answers a run that waits for input, or starts a new run after a finished one; poll it, or cancel it first`,
      );
    }
    const session = this.resumableSession(record.session_id, record.cwd, record.backend);
    const backend = this.backendFor(record.backend);
    const profilePath = record.spec.profile;
    const spawned = this.createRun({
      backend: backend.name,
      role: record.role,
      cwd: record.cwd,
      session,
      metadata: record.metadata,
      previousRunId: record.run_id,
      profilePath,
      limits: record.spec.limits ?? this.config.runLimits,
      input: {
        ...(message.parts.length === 1 && message.parts[0]?.type === "text"
          ? { prompt: message.parts[0].text }
          : { input_message: message }),
        profile_text: profilePath
          ? profileText("profile", profilePath, record.cwd, profilesDir(this.config)).text
          : undefined,
        output_schema: record.spec.output_schema,
        // The stored config, with its credentials put back while this process still holds them.
        backend_config: this.sessionSecrets.restore(record.session_id, record.spec.backend_config ?? {}),
        resume: true,
      },
    });
    return {
      run_id: spawned.run_id,
      session_id: spawned.session_id,
      status: spawned.status,
      previous_run_id: record.run_id,
    };
  }

  listRuns(request: ListRequest): ListResult {
    if (request.status !== undefined && !RUN_STATUSES.includes(request.status)) {
      throw invalidInput("status", `expected one of ${RUN_STATUSES.join(", ")}`);
    }
    // A server that died since this one started leaves runs "running" in the catalog: end them first, so the
    // listing (and its status filter) never shows them live. One liveness check per host keeps this cheap.
    this.recoverDeadHosts();
    const limit = Math.min(Math.max(check.nonNegativeInt("limit", request.limit, 50), 1), MAX_LIST_LIMIT);
    const page = this.catalog.list({
      status: request.status,
      backend: request.backend,
      role: request.role,
      cwd: request.cwd === undefined ? undefined : check.canonicalCwd("cwd", request.cwd),
      session_id: request.session_id === undefined ? undefined : assertId("session_id", request.session_id),
      limit,
      cursor: request.cursor,
    });
    // Hosted runs are fresher in memory than in the catalog, which is written on status changes.
    const runs = page.runs.map((run) => {
      const handle = this.hosted.get(run.run_id);
      return handle ? toSummary(handle.record) : run;
    });
    return page.next_cursor === undefined ? { runs } : { runs, next_cursor: page.next_cursor };
  }

  getEventArtifact(request: ArtifactRequest): ArtifactResult {
    const record = this.current(request.run_id);
    const seq = check.nonNegativeInt("seq", request.seq, 0);
    if (seq < 1) throw invalidInput("seq", "expected the seq (>= 1) of an event with artifact_refs");
    // "" (the whole of data) is a valid pointer: an event too big in every field moves out whole.
    if (
      typeof request.field_path !== "string" ||
      (request.field_path !== "" && !request.field_path.startsWith("/"))
    ) {
      throw invalidInput("field_path", 'expected a JSON Pointer from artifact_refs, such as "/stdout"');
    }
    const offset = check.nonNegativeInt("offset", request.offset, 0);
    const limit = check.nonNegativeInt("limit", request.limit, 65_536);
    if (limit < 4) throw invalidInput("limit", "expected at least 4 bytes (one UTF-8 character)");
    const event = readEvents(servableLog(record), seq - 1, 1, Number.POSITIVE_INFINITY).events[0];
    if (!event || event.seq !== seq) {
      throw new OrchestratorError(
        "not_found",
        `run ${record.run_id} has no event with seq ${seq} (last_seq ${record.last_seq})`,
      );
    }
    const refs = event.data.artifact_refs;
    if (!Array.isArray(refs)) {
      throw new OrchestratorError(
        "not_found",
        `event ${seq} (${event.type}) has no artifacts: its data is complete inline`,
      );
    }
    const page = readArtifactPage(
      runDir(record.cwd, record.run_id),
      seq,
      event.type,
      request.field_path,
      offset,
      Math.min(limit, MAX_ARTIFACT_PAGE),
      (refs as ArtifactRef[]).find((ref) => ref.field_path === request.field_path)?.sha256,
    );
    return { run_id: record.run_id, seq, field_path: request.field_path, ...page };
  }

  /** Rebuilds the catalog from the run files of every known cwd (and of `extraCwds`). */
  reindex(extraCwds: string[] = []): ReindexReport {
    return rebuildCatalog(
      this.catalog,
      extraCwds.map((cwd) => check.canonicalCwd("cwd", cwd)),
    );
  }

  /** Ends every hosted run (as interrupted, so its session can be resumed) and closes the store. */
  async shutdown(reason = "the server shut down"): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const handles = [...this.hosted.values()].filter((handle) => !handle.terminal);
    // allSettled: a run whose end the disk refuses (it is then failed with store_error) must not cut short the
    // stop of the others, nor keep the catalog open.
    await Promise.allSettled(
      handles.map((handle) =>
        this.supervisor.stop(
          handle,
          {
            type: "run_failed",
            data: { code: "interrupted", message: `${reason}; continue_run resumes the session` },
          },
          { type: "run_failed", data: { code: "interrupted", message: reason } },
        ),
      ),
    );
    try {
      this.repairStranded();
    } finally {
      this.catalog.close();
    }
  }

  private createRun(args: {
    backend: string;
    role: string;
    cwd: string;
    session?: SessionRecord;
    metadata?: Record<string, unknown>;
    previousRunId?: string;
    profilePath?: string;
    limits: RunLimits;
    input: RunInput;
  }): SpawnResult {
    if (this.closing) throw new OrchestratorError("conflict", "the server is shutting down");
    const now = new Date().toISOString();
    const runId = newRunId();
    const session: SessionRecord = args.session ?? {
      session_id: newSessionId(),
      backend: args.backend,
      cwd: args.cwd,
      created_at: now,
      updated_at: now,
      run_ids: [],
    };
    session.run_ids.push(runId);
    session.updated_at = now;
    const record: RunRecord = {
      run_id: runId,
      session_id: session.session_id,
      backend: args.backend,
      role: args.role,
      status: "queued",
      cwd: args.cwd,
      created_at: now,
      updated_at: now,
      last_seq: 0,
      ...(args.previousRunId ? { previous_run_id: args.previousRunId } : {}),
      ...(args.metadata ? { metadata: args.metadata } : {}),
      host: currentHost(),
      spec: {
        ...(args.profilePath ? { profile: args.profilePath } : {}),
        ...(args.input.output_schema ? { output_schema: args.input.output_schema } : {}),
        limits: args.limits,
        backend_config: redactSecrets(args.input.backend_config) as Record<string, unknown>,
      },
    };
    try {
      this.catalog.addRoot(args.cwd);
      prepareStore(args.cwd);
      this.catalog.putSession(session);
      writeSessionRecord(session);
    } catch (error) {
      throw storeFailure(`the store could not record session ${session.session_id} in ${args.cwd}`, error);
    }
    this.sessionSecrets.keep(session.session_id, args.input.backend_config);
    let handle: RunHandle;
    const deadlines = new RunDeadlines(args.limits, (ending) => {
      this.supervisor.stop(handle, ending).catch(() => undefined);
    });
    try {
      handle = new RunHandle(record, args.input, this.config, {
        persist: (r) => this.persist(r),
        appended: (id, event) => {
          deadlines.observe(handle.status, event?.type);
          if (handle.status === "input_required" || handle.status === "auth_required") {
            this.scheduler.park(handle);
          }
          this.waiters.wake(id);
        },
        finished: (h) => this.finished(h),
      });
    } catch (error) {
      throw storeFailure(`run ${runId}: the store could not create its folder in ${args.cwd}`, error);
    }
    this.hosted.set(runId, handle);
    try {
      this.persist(record);
      handle.append("run_started", {
        status: "queued",
        role: args.role,
        cwd: args.cwd,
        session_mode: args.session ? "resume" : "new",
        ...(args.previousRunId ? { previous_run_id: args.previousRunId } : {}),
        ...(args.input.prompt !== undefined ? { prompt: args.input.prompt } : {}),
        ...(args.input.input_message ? { input_message: args.input.input_message } : {}),
        ...(args.profilePath ? { profile: args.profilePath } : {}),
      });
    } catch (error) {
      throw handle.storeRefused("its start", error);
    }
    this.scheduler.enqueue(handle);
    return {
      run_id: runId,
      session_id: session.session_id,
      backend: args.backend,
      role: args.role,
      status: handle.status,
      ...(args.previousRunId ? { previous_run_id: args.previousRunId } : {}),
    };
  }

  /**
   * Hands an answer to the waiting backend. Refused as invalid, the question is asked again (and the caller told,
   * when it is still waiting for its continue_run); any other failure stops the run.
   */
  private async deliver(handle: RunHandle, answer: Answer, callerWaits: boolean): Promise<void> {
    handle.append("status_changed", { status: "running", reason: "input_received", ...storedAnswer(answer) });
    try {
      await handle.backendRun?.sendInput?.call(handle.backendRun, answer.message);
    } catch (error) {
      if (error instanceof OrchestratorError && error.code === "invalid_input") {
        handle.append(answer.waitingFor, {
          ...answer.pending,
          kind: answer.pending?.kind ?? "input",
          ...(callerWaits ? {} : { refused_answer: error.message }),
        });
        if (callerWaits) throw error;
        return;
      }
      // The backend may still be running: it is stopped like any other run that fails here.
      await this.supervisor.stop(handle, {
        type: "run_failed",
        data: { code: "backend_error", message: `delivering input: ${errorMessage(error)}` },
      });
    }
  }

  private start(handle: RunHandle): void {
    const answer = handle.queuedAnswer;
    if (answer) {
      // A parked run got its slot back: its backend is alive and waits for this answer.
      handle.queuedAnswer = undefined;
      void this.deliver(handle, answer, false).catch((error) => handle.storeRefused("its answer", error));
      return;
    }
    const { cwd, session_id } = handle.record;
    driveRun(handle, {
      backend: () => this.backendFor(handle.record.backend),
      resumeBackendSessionId: () => this.keptSession(session_id, cwd)?.backend_session_id,
      onBackendSession: (id) => this.bindBackendSession(handle.record, id),
    }).catch((error) => handle.storeRefused("its end", error));
  }

  private finished(handle: RunHandle): void {
    this.scheduler.release(handle);
    if (handle.stranded) this.stranded.add(handle);
    else this.hosted.delete(handle.runId);
    this.repairStranded();
  }

  /** Retries what the store refused earlier; a disk that has room again takes it now. */
  private repairStranded(): void {
    for (const handle of this.stranded) {
      if (handle.stranded && !handle.repair()) continue;
      this.stranded.delete(handle);
      this.hosted.delete(handle.runId);
    }
  }

  /**
   * The catalog first: a server killed between the two writes leaves a row that recovery finds (and completes
   * from it), never a run.json that no listing or lookup knows.
   */
  private persist(record: RunRecord): void {
    this.catalog.upsert(record);
    writeRunRecord(record);
  }

  private bindBackendSession(record: RunRecord, backendSessionId: string): void {
    const session = this.keptSession(record.session_id, record.cwd);
    if (!session || session.backend_session_id === backendSessionId) return;
    session.backend_session_id = backendSessionId;
    session.updated_at = new Date().toISOString();
    this.catalog.putSession(session);
    writeSessionRecord(session);
  }

  /**
   * A session as the server recorded it: the catalog's row says which backend and conversation it is (the file in
   * the cwd may have been rewritten by an agent there); the file adds its run ids. Sessions from before the
   * catalog kept them have only the file.
   */
  private keptSession(sessionId: string, cwd: string): SessionRecord | undefined {
    const kept = this.catalog.getSession(sessionId);
    let file: SessionRecord | undefined;
    try {
      file = readSessionRecord(cwd, sessionId);
    } catch (error) {
      if (!kept) throw error;
    }
    if (!kept) return file;
    if (kept.cwd !== cwd) return undefined;
    const { backend_session_id: _forged, ...rest } = file ?? {
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      run_ids: [],
    };
    return { ...rest, ...kept };
  }

  private backendFor(name: unknown): Backend {
    const backend = typeof name === "string" ? this.backends.get(name) : undefined;
    if (!backend) {
      const offered = this.backendNames.join(", ") || "none";
      throw invalidInput(
        "backend",
        `expected one of the backends this server runs (${offered}), got ${JSON.stringify(name)}`,
      );
    }
    return backend;
  }

  private resumableSession(sessionId: string, cwd: string, backend: string): SessionRecord {
    const session = this.keptSession(sessionId, cwd);
    if (!session) {
      const elsewhere = this.catalog.list({ session_id: sessionId, limit: 1 }).runs[0];
      throw elsewhere
        ? invalidInput(
            "session_id",
            `session ${sessionId} belongs to cwd ${elsewhere.cwd}; resume it from there`,
          )
        : new OrchestratorError("not_found", `session_id: no session ${sessionId} in ${cwd}`);
    }
    if (session.backend !== backend) {
      throw invalidInput("backend", `session ${sessionId} runs on ${session.backend}, not ${backend}`);
    }
    return session;
  }

  private continueMessage(request: ContinueRequest): InputMessage {
    if (request.input_message !== undefined)
      return check.inputMessage("input_message", request.input_message);
    if (request.prompt !== undefined)
      return { role: "user", parts: [{ type: "text", text: check.prompt("prompt", request.prompt) }] };
    throw invalidInput("input_message", "give input_message or prompt: the input to deliver");
  }

  /** The freshest record of a run: in memory when hosted here, else from its run.json (recovered if orphaned). */
  private current(runIdValue: unknown): RunRecord {
    const runId = assertId("run_id", runIdValue);
    const handle = this.hosted.get(runId);
    if (handle) return handle.record;
    const indexed = this.catalog.get(runId);
    if (!indexed)
      throw new OrchestratorError(
        "not_found",
        `run_id: no run ${runId} (list_runs shows the runs there are)`,
      );
    if (isTerminal(indexed.status)) return finishedRecord(indexed);
    // No run.json yet for an unfinished run: its host died between the catalog row and the file (see persist).
    let record = readRunRecord(indexed.cwd, runId) ?? indexed;
    if (needsRecovery(record)) record = this.recover(record);
    if (!isTerminal(record.status))
      record.last_seq = Math.max(record.last_seq, lastSeq(eventsFile(record.cwd, runId)));
    return record;
  }

  /** The handle of a run this process hosts; a run hosted by another live process is refused clearly. */
  private hostedHandle(record: RunRecord): RunHandle {
    const handle = this.hosted.get(record.run_id);
    if (handle) return handle;
    const where =
      isCurrentHost(record.host) || !isHostAlive(record.host) ? "no live process" : `pid ${record.host.pid}`;
    throw new OrchestratorError(
      "conflict",
      `run ${record.run_id} is hosted by another orchestration-mcp process (${where}); cancel or continue it through that server`,
    );
  }

  /** Marks an orphaned run interrupted and has its backend end what the dead server left running. */
  private recover(stale: RunRecord): RunRecord {
    const record = recoverRun(stale, (r) => this.persist(r));
    if (record.error?.code === "interrupted") {
      this.backends
        .get(record.backend)
        ?.cleanup?.(record.run_id)
        .catch((error) =>
          process.stderr.write(`orchestration-mcp: cleanup of ${record.run_id}: ${errorMessage(error)}\n`),
        );
    }
    return record;
  }

  /** Runs of every host that died since this process last looked; each dead host is dealt with once. */
  private recoverDeadHosts(): void {
    const dead = this.catalog
      .unfinishedHosts(process.pid)
      .filter((host) => !this.deadHosts.has(`${host.pid}/${host.start_time}`) && !isHostAlive(host));
    if (dead.length === 0) return;
    this.recoverAll();
    for (const host of dead) this.deadHosts.add(`${host.pid}/${host.start_time}`);
  }

  private recoverAll(): void {
    for (const record of this.catalog.listUnfinished()) {
      if (!needsRecovery(record)) continue;
      try {
        this.recover(record);
      } catch (error) {
        process.stderr.write(
          `orchestration-mcp: could not recover run ${record.run_id}: ${errorMessage(error)}\n`,
        );
      }
    }
  }
}
