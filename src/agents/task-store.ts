/**
 * The SDK's in-memory task store, bounded: a task that has ended (completed, failed, cancelled, rejected) is kept
 * for a while (see Retention) so that callers can still read it, then dropped; a live task (working, waiting for
 * input) is never dropped. Tasks are scoped per tenant and caller, as in the SDK's own store.
 */
import { type ListTasksRequest, type ListTasksResponse, type Task, TaskState } from "@a2a-js/sdk";
import { resolveUserScope, type ServerCallContext, type TaskStore } from "@a2a-js/sdk/server";
import { Expiry, type Retention } from "./retention.js";

const ENDED = [
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
];
const DEFAULT_PAGE_SIZE = 50;

/** Finished tasks kept by default: enough for a caller to read a result it was not streaming. */
export const DEFAULT_TASK_RETENTION: Retention = { max: 50, ttlMs: 15 * 60 * 1000 };

export class BoundedTaskStore implements TaskStore {
  /** Task by `scope\0taskId`. */
  private readonly tasks = new Map<string, Task>();
  private readonly ended: Expiry<string>;

  constructor(retention: Retention = DEFAULT_TASK_RETENTION, now?: () => number) {
    this.ended = new Expiry(retention, now);
  }

  /** How many tasks are held, live and finished. */
  get size(): number {
    return this.tasks.size;
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const task = this.tasks.get(keyOf(context, taskId));
    return task ? structuredClone(task) : undefined;
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const key = keyOf(context, task.id);
    this.tasks.set(key, structuredClone(task));
    if (task.status && ENDED.includes(task.status.state)) this.ended.finished(key);
    else this.ended.live(key);
    this.sweep();
  }

  /** Drops the finished tasks beyond the retention. */
  sweep(): void {
    for (const key of this.ended.due()) this.tasks.delete(key);
  }

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const scope = scopeOf(context);
    const after = params.statusTimestampAfter ? new Date(params.statusTimestampAfter).getTime() : undefined;
    const matching = [...this.tasks.entries()]
      .filter(([key]) => key.startsWith(scope))
      .map(([, task]) => task)
      .filter(
        (task) =>
          (!params.contextId || task.contextId === params.contextId) &&
          (!params.status || task.status?.state === params.status) &&
          (after === undefined || new Date(task.status?.timestamp ?? 0).getTime() > after),
      )
      .sort((a, b) => cursorOf(b).localeCompare(cursorOf(a)));
    const start = params.pageToken
      ? matching.findIndex((task) => cursorOf(task) === params.pageToken) + 1
      : 0;
    const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
    // A token that names no task (dropped since) ends the listing, as in the SDK's store.
    const rest = params.pageToken && start === 0 ? [] : matching.slice(start);
    const page = rest.slice(0, pageSize);
    const last = page.at(-1);
    return {
      tasks: page.map((task) => {
        const copy = structuredClone(task);
        if (!params.includeArtifacts) copy.artifacts = [];
        return copy;
      }),
      nextPageToken: last && rest.length > page.length ? cursorOf(last) : "",
      pageSize,
      totalSize: matching.length,
    };
  }
}

const scopeOf = (context: ServerCallContext) => `${context.tenant ?? ""}\0${resolveUserScope(context)}\0`;
const keyOf = (context: ServerCallContext, taskId: string) => `${scopeOf(context)}${taskId}`;
/** Newest status first, then id: the order and the page token of a listing. */
const cursorOf = (task: Task) => `${task.status?.timestamp ?? ""}|${task.id}`;
