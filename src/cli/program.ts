/** The human command line: commands, their options and help (commander), each handled in its own file. */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { errorMessage, OrchestratorError } from "../core/errors.js";
import { RUN_STATUSES } from "../core/run.js";
import { VERSION } from "../version.js";
import { a2aAgent } from "./a2a-agent.js";
import { artifactGet } from "./artifact-get.js";
import { dashboard } from "./dashboard.js";
import { demo } from "./demo.js";
import { doctor } from "./doctor.js";
import { withEngine } from "./engine.js";
import { flush, painter } from "./output.js";
import { reindex } from "./reindex.js";
import { runsCancel } from "./runs-cancel.js";
import { runsContinue } from "./runs-continue.js";
import { type ListOptions, runsList } from "./runs-list.js";
import { runsShow } from "./runs-show.js";
import { runsTail, type TailOptions } from "./runs-tail.js";
import { RUN_EXIT } from "./status.js";
import { safeText } from "./terminal-safe.js";

/** What a command leaves behind: an exit code, or KEEP_RUNNING for one that serves until a signal stops it. */
export const KEEP_RUNNING = undefined;
type Outcome = number | typeof KEEP_RUNNING;

const RUN_END_CODES = `Exit codes: ${RUN_EXIT.completed} completed, ${RUN_EXIT.failed} failed, ${RUN_EXIT.cancelled} cancelled, ${RUN_EXIT.waiting} waits for input or authorization (answer with runs continue), ${RUN_EXIT.error} error, 130 interrupted.`;

function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}`);
    }
    return n;
  };
}

function printError(error: unknown): void {
  const paint = painter(process.stderr);
  const text = error instanceof OrchestratorError ? `${error.code}: ${error.message}` : errorMessage(error);
  // A message may quote a run's data (a path, a remote agent's error).
  process.stderr.write(`${paint("red", "error:")} ${safeText(text)}\n`);
}

/** Runs a command whose exit code says how a run ended; its own failures then exit RUN_EXIT.error. */
async function runCommand(action: () => Promise<number>): Promise<number> {
  try {
    return await action();
  } catch (error) {
    printError(error);
    return RUN_EXIT.error;
  }
}

function buildProgram(finish: (outcome: Outcome) => void): Command {
  const json = () => new Option("--json", "print the engine's JSON answer instead of text");
  const program = new Command("orchestration-mcp")
    .description(
      "Launch, watch and steer coding-agent runs. With no command, serves MCP over stdio (what an MCP host starts).",
    )
    .version(VERSION, "-v, --version", "print the version")
    .helpCommand("help [command]", "show the help of a command")
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError("(orchestration-mcp --help lists the commands)")
    .configureOutput({ outputError: (text, write) => write(painter(process.stderr)("red", text)) })
    .addHelpText(
      "after",
      `
Examples:
  orchestration-mcp runs list --status running
  orchestration-mcp runs tail RUN_ID            follow a run; the exit code says how it ended
  orchestration-mcp runs continue RUN_ID allow  answer a permission request
  orchestration-mcp artifact get RUN_ID 12 /stdout > output.log
  orchestration-mcp doctor`,
    );

  const runs = program.command("runs").description("list, show, follow, cancel and continue runs");
  runs
    .command("list")
    .description("the runs of every directory on this machine, newest first")
    .addOption(new Option("--status <status>", "only runs in this status").choices(RUN_STATUSES))
    .option("--backend <name>", "only runs of this backend (codex, claude_code, remote_a2a)")
    .option("--role <role>", "only runs with this role")
    .option("--cwd <dir>", "only runs in this directory")
    .option("--session <id>", "only runs of this session")
    .option("--limit <n>", "at most this many runs (default 50, at most 200)", integer(1))
    .option("--cursor <cursor>", "the next page: the cursor printed under the previous one")
    .addOption(json())
    .action(async (options: ListOptions) => finish(await withEngine((e) => runsList(e, options))));
  runs
    .command("show")
    .description("one run: status, summary, result, error, what it waits for")
    .argument("<run-id>")
    .addOption(json())
    .action(async (id: string, options: { json?: boolean }) =>
      finish(await withEngine((e) => runsShow(e, id, options))),
    );
  runs
    .command("tail")
    .description("follow a run until it ends or waits for input, printing its events (the last 10 first)")
    .argument("<run-id>")
    .addOption(new Option("--from-start", "print every event from the first").conflicts("after"))
    .option("--after <seq>", "print the events after this seq", integer(0))
    .option("--json", "print events as JSON lines")
    .addHelpText("after", `\n${RUN_END_CODES}`)
    .action(async (id: string, options: TailOptions) =>
      finish(await runCommand(() => withEngine((e) => runsTail(e, id, options)))),
    );
  runs
    .command("cancel")
    .description("cancel a queued or running run (one this machine's server hosts cancels through it)")
    .argument("<run-id>")
    .addOption(json())
    .action(async (id: string, options: { json?: boolean }) =>
      finish(await withEngine((e) => runsCancel(e, id, options))),
    );
  runs
    .command("continue")
    .description("answer a run that waits for input, or follow up a finished run (followed here to its end)")
    .argument("<run-id>")
    .argument("<text...>", "the answer or the next prompt")
    .option("--json", "print the answer, then a new run's events, as JSON lines")
    .addHelpText("after", `\nWhen it follows a new run: ${RUN_END_CODES}`)
    .action(async (id: string, text: string[], options: { json?: boolean }) =>
      finish(await runCommand(() => withEngine((e) => runsContinue(e, id, text.join(" "), options)))),
    );

  program
    .command("artifact")
    .description("the artifacts of big event fields")
    .command("get")
    .description(
      "write the whole of an event field kept as an artifact to stdout, byte for byte when redirected",
    )
    .argument("<run-id>")
    .argument("<seq>", "the event's seq", integer(1))
    .argument("<field-path>", "one of the event's artifact_refs, such as /stdout")
    .option("--json", "print {total_bytes, mime_type, encoding, content, ...} as JSON")
    .addOption(
      new Option(
        "--raw",
        "write the bytes as they are to a terminal too (escape sequences included)",
      ).conflicts("json"),
    )
    .addHelpText("after", "\nOn a terminal, control characters and escape sequences are shown escaped.")
    .action(async (id: string, seq: number, path: string, options: { json?: boolean; raw?: boolean }) =>
      finish(await withEngine((e) => artifactGet(e, id, seq, path, options))),
    );

  program
    .command("reindex")
    .description("rebuild the run catalog from the run files (of every known directory, and of those given)")
    .argument("[cwd...]", "directories holding runs the catalog does not know yet")
    .addOption(json())
    .action(async (cwds: string[], options: { json?: boolean }) =>
      finish(await withEngine((e) => reindex(e, cwds, options))),
    );

  program
    .command("doctor")
    .description(
      "check Node.js, the settings, the home, the catalog, the codex and claude binaries and their credentials",
    )
    .option("--json", "print the checks as JSON")
    .action(async (options: { json?: boolean }) => finish(await doctor(options)));

  program
    .command("a2a-agent")
    .description("serve an A2A agent that wraps codex or claude_code (a2a-agent --help shows its flags)")
    .argument("[flags...]")
    .helpOption(false)
    .allowUnknownOption()
    .action(async (flags: string[]) => {
      await a2aAgent(flags);
      finish(KEEP_RUNNING);
    });

  program
    .command("demo")
    .description(
      "run the offline demo: real codex and Claude Code against a scripted local model, no account",
    )
    .action(async () => finish(await demo()));

  program
    .command("dashboard")
    .description("serve the read-only web dashboard of every run until interrupted")
    .option("--port <n>", "port to listen on (0: any free port)", parsePort, 7319)
    .option("--host <addr>", "interface to bind", "127.0.0.1")
    .action(async (options: { port: number; host: string }) => {
      await dashboard(options);
      finish(KEEP_RUNNING);
    });

  return program;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new InvalidArgumentError("expected a port number 0..65535");
  return port;
}

/** Parses `argv` (without node and the script) and runs the command; resolves to its exit code. */
export async function runCli(argv: string[]): Promise<Outcome> {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    // A reader that went away (`| head`) is not an error of ours.
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  let outcome: Outcome = 0;
  const program = buildProgram((result) => {
    outcome = result;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    printError(error);
    return 1;
  }
  if (outcome !== KEEP_RUNNING) await flush(process.stdout);
  return outcome;
}
