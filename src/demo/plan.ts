/**
 * The runs the demo's top-level agent spawns, all at once. The prompts carry the scripted provider's markers
 * (src/sim/), which decide what the model "does": the real codex and Claude Code binaries do the rest.
 */

export interface DemoRunPlan {
  /** The run's name on screen. */
  label: string;
  backend: "codex" | "claude_code" | "remote_a2a";
  role: string;
  prompt: string;
  /** What the top-level agent answers (through continue_run) when the run asks for input. */
  answer?: string;
  /** A file the run must have made in the workspace. */
  makes?: string;
  /** Sent to the A2A agent the demo starts (remote_a2a only). */
  remote?: boolean;
}

export const DEMO_RUNS: DemoRunPlan[] = [
  {
    label: "worker",
    backend: "codex",
    role: "worker",
    prompt:
      "Run the program, then start a changelog. [[exec:node hello.js demo]] " +
      "[[patch:CHANGES.md:# Changes\n\n- hello.js greets whoever is named on the command line]]",
    makes: "CHANGES.md",
  },
  {
    label: "reviewer",
    backend: "claude_code",
    role: "reviewer",
    prompt: "Review the project and mark it reviewed. [[touch:REVIEWED.md]]",
    answer: "allow",
    makes: "REVIEWED.md",
  },
  {
    label: "remote",
    backend: "remote_a2a",
    role: "remote-worker",
    prompt: "Count the lines of the project. [[exec:wc -l README.md hello.js]]",
    remote: true,
  },
];
