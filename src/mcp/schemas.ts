/** Zod schemas of the seven tools: what a caller may send (null meaning absent) and what it gets back. */
import { z } from "zod";
import { BACKEND_NAMES, RUN_STATUSES } from "../core/run.js";
import { EVENT_TYPES } from "../events/types.js";

const id = (what: string) => z.string().describe(`${what} (letters, digits, _ and -; at most 128)`);
const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

const inputPart = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("data"), data: z.unknown() }),
  z.object({
    type: z.literal("file"),
    uri: optional(z.string()),
    bytes_base64: optional(z.string()),
    mime_type: optional(z.string()),
    name: optional(z.string()),
  }),
]);

const inputMessage = z
  .object({ role: optional(z.literal("user")), parts: z.array(inputPart).min(1) })
  .describe("A structured message: text, data (JSON) and file parts");

const jsonObject = z.record(z.string(), z.unknown());

export const spawnRunInput = {
  backend: z.enum(BACKEND_NAMES).describe("Which agent runs it: codex, claude_code or remote_a2a"),
  role: z.string().describe("A free label for the run's job: planner, worker, reviewer, ..."),
  prompt: optional(z.string()).describe("The task, as text. Give prompt or input_message."),
  input_message: optional(inputMessage),
  cwd: z.string().describe("Absolute path of an existing directory the agent works in"),
  session_mode: optional(z.enum(["new", "resume"])).describe(
    '"new" (default) or "resume" an earlier session',
  ),
  session_id: optional(id("Session to resume")),
  profile: optional(z.string()).describe("Path to a persona file whose text instructs the agent"),
  output_schema: optional(jsonObject).describe("JSON Schema the final answer must match"),
  metadata: optional(jsonObject).describe("Your own labels, stored with the run"),
  backend_config: optional(jsonObject).describe("Backend options (remote_a2a: agent_url, headers, token)"),
  limits: optional(
    z
      .object({
        timeout_s: optional(z.number()).describe("Wall time once the run starts (0: none; default none)"),
        idle_timeout_s: optional(z.number()).describe("Longest silence of the agent (0: none; default 1800)"),
        input_timeout_s: optional(z.number()).describe("Longest wait for an answer (0: none; default 86400)"),
      })
      .strict(),
  ).describe(
    "Deadlines in seconds; a run past one fails with error.code timeout. continue_run inherits them",
  ),
};

export const runIdInput = { run_id: id("The run") };

export const pollEventsInput = {
  run_id: id("The run"),
  after_seq: optional(z.number().int()).describe("Return events after this seq (default 0: from the start)"),
  limit: optional(z.number().int()).describe("Most events to return (default 100, 1 to 1000)"),
  wait_ms: optional(z.number().int()).describe(
    "Wait up to this long for a new event (default 0, capped at 25000)",
  ),
};

export const continueRunInput = {
  run_id: id("The run"),
  input_message: optional(inputMessage),
  prompt: optional(z.string()).describe("The input as text (instead of input_message)"),
};

export const listRunsInput = {
  status: optional(z.enum(RUN_STATUSES)),
  backend: optional(z.string()),
  role: optional(z.string()),
  cwd: optional(z.string()).describe("Only runs of this directory"),
  session_id: optional(id("Only runs of this session")),
  limit: optional(z.number().int()).describe("Runs per page (default 50, at most 200)"),
  cursor: optional(z.string()).describe("next_cursor of the previous page"),
};

export const getEventArtifactInput = {
  run_id: id("The run"),
  seq: z.number().int().describe("seq of the event whose data has artifact_refs"),
  field_path: z.string().describe('field_path from artifact_refs, a JSON Pointer such as "/stdout"'),
  offset: optional(z.number().int()).describe("Byte offset to read from (default 0; use next_offset)"),
  limit: optional(z.number().int()).describe("Most bytes to return (default 65536)"),
};

const status = z.enum(RUN_STATUSES);

const runSummary = z.looseObject({
  run_id: z.string(),
  session_id: z.string(),
  backend: z.string(),
  role: z.string(),
  status,
  cwd: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().optional(),
  last_seq: z.number(),
  previous_run_id: z.string().optional(),
  summary: z.string().optional(),
  result: z
    .looseObject({
      final_response: z.unknown(),
      structured_output: z.unknown().optional(),
      usage: z.unknown().optional(),
    })
    .optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  pending_input: z.looseObject({ kind: z.string() }).optional(),
  metadata: jsonObject.optional(),
});

const event = z.object({
  seq: z.number(),
  ts: z.string(),
  run_id: z.string(),
  session_id: z.string(),
  backend: z.string(),
  type: z.enum(EVENT_TYPES),
  data: jsonObject,
});

export const spawnRunOutput = {
  run_id: z.string(),
  session_id: z.string(),
  backend: z.string(),
  role: z.string(),
  status,
  previous_run_id: z.string().optional(),
};

export const getRunOutput = runSummary.shape;

export const pollEventsOutput = {
  run_id: z.string(),
  status,
  events: z.array(event),
  next_after_seq: z.number(),
  has_more: z.boolean(),
};

export const cancelRunOutput = { run_id: z.string(), status };

export const continueRunOutput = {
  run_id: z.string(),
  session_id: z.string(),
  status,
  previous_run_id: z.string().optional(),
};

export const listRunsOutput = { runs: z.array(runSummary), next_cursor: z.string().optional() };

export const getEventArtifactOutput = {
  run_id: z.string(),
  seq: z.number(),
  field_path: z.string(),
  total_bytes: z.number(),
  offset: z.number(),
  returned_bytes: z.number(),
  next_offset: z.number(),
  has_more: z.boolean(),
  mime_type: z.string(),
  encoding: z.string(),
  content: z.string(),
};
