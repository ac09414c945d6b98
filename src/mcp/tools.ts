/** The seven tools: name, schemas, annotations and a description written for the agent that calls them. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Engine } from "../engine/engine.js";
import * as schema from "./schemas.js";
import { toolError, toolResult, withoutNulls } from "./tool-result.js";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

async function answer(work: () => object | Promise<object>) {
  try {
    return toolResult(await work());
  } catch (error) {
    return toolError(error);
  }
}

export function registerTools(server: McpServer, engine: Engine): void {
  server.registerTool(
    "spawn_run",
    {
      title: "Start an agent run",
      description:
        "Start a coding-agent run (codex, claude_code or remote_a2a) in the background and return its run_id at once. " +
        "Give `prompt` (or `input_message`), a `role` label and an absolute `cwd`. To continue an earlier conversation, " +
        'pass session_mode "resume" with its session_id. Then watch it with poll_events (wait_ms for long-polling).',
      inputSchema: schema.spawnRunInput,
      outputSchema: schema.spawnRunOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    (args) => answer(() => engine.spawnRun(withoutNulls(args))),
  );

  server.registerTool(
    "get_run",
    {
      title: "Get a run",
      description:
        "The current state of a run: status, last_seq, a summary, and once it ends its result " +
        "(final_response, structured_output, usage) or error. When status is input_required, pending_input says " +
        "what the agent asks; answer it with continue_run.",
      inputSchema: schema.runIdInput,
      outputSchema: schema.getRunOutput,
      annotations: READ_ONLY,
    },
    (args) => answer(() => engine.getRun(args.run_id)),
  );

  server.registerTool(
    "poll_events",
    {
      title: "Read a run's events",
      description:
        "Events of a run after `after_seq`, oldest first. Pass next_after_seq from the previous answer to read on; " +
        "has_more says more are ready now. With wait_ms (up to 25000) the call waits until a new event exists, so a " +
        "loop of poll_events with wait_ms follows a run live without busy polling. Big fields keep a preview and " +
        "list data.artifact_refs: read them whole with get_event_artifact.",
      inputSchema: schema.pollEventsInput,
      outputSchema: schema.pollEventsOutput,
      annotations: READ_ONLY,
    },
    (args, extra) =>
      answer(() => {
        const progressToken = extra._meta?.progressToken;
        return engine.pollEvents({
          ...withoutNulls(args),
          signal: extra.signal,
          onWaiting:
            progressToken === undefined
              ? undefined
              : (waited, total) =>
                  void extra
                    .sendNotification({
                      method: "notifications/progress",
                      params: { progressToken, progress: waited, total, message: "waiting for new events" },
                    })
                    .catch(() => undefined),
        });
      }),
  );

  server.registerTool(
    "cancel_run",
    {
      title: "Cancel a run",
      description:
        "Stop a queued or running run and every process it started; answers once it has stopped (a few seconds at " +
        "most). On a finished run it changes nothing and returns its status.",
      inputSchema: schema.runIdInput,
      outputSchema: schema.cancelRunOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) => answer(() => engine.cancelRun(args.run_id)),
  );

  server.registerTool(
    "continue_run",
    {
      title: "Answer or follow up a run",
      description:
        "Send input to a run. If it is input_required or auth_required, the same run goes on with your answer " +
        '(for a permission request: a data part {"decision": "allow" | "deny"}, or the text "allow"/"deny"). If it ' +
        "has finished (completed, failed or cancelled), this starts a new run in the same session with your message " +
        "and returns its run_id and previous_run_id. A run that is queued or running refuses: poll it first.",
      inputSchema: schema.continueRunInput,
      outputSchema: schema.continueRunOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    (args) => answer(() => engine.continueRun(withoutNulls(args))),
  );

  server.registerTool(
    "list_runs",
    {
      title: "List runs",
      description:
        "Runs of every directory on this machine, newest first, filtered by status, backend, role, cwd or " +
        "session_id. Pass next_cursor back as cursor for the next page.",
      inputSchema: schema.listRunsInput,
      outputSchema: schema.listRunsOutput,
      annotations: READ_ONLY,
    },
    (args) => answer(() => engine.listRuns(withoutNulls(args))),
  );

  server.registerTool(
    "get_event_artifact",
    {
      title: "Read a big event field",
      description:
        "Page through the full value of an event field that was too big to stay inline (listed in the event's " +
        "data.artifact_refs). Follow next_offset until has_more is false; pages never split a character.",
      inputSchema: schema.getEventArtifactInput,
      outputSchema: schema.getEventArtifactOutput,
      annotations: READ_ONLY,
    },
    (args) => answer(() => engine.getEventArtifact(withoutNulls(args))),
  );
}
