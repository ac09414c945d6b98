/**
 * A child process that hosts an engine with one hanging run and prints its ids as JSON, then waits to be
 * killed: the restart-recovery tests SIGKILL it. argv: home cwd.
 */
import { makeEngine, spawnScript } from "./engine-fixture.js";

const [home, cwd] = process.argv.slice(2) as [string, string];
const f = makeEngine({}, home);
f.cwd = cwd;
const run = spawnScript(
  f,
  [{ session: "thread-77" }, { burst: 50 }, { ask: { kind: "question", text: "still there?" } }],
  {
    backend_config: {
      script: [{ session: "thread-77" }, { burst: 50 }, { ask: { kind: "question", text: "still there?" } }],
      resume_script: [],
    },
  },
);
const poll = async () => {
  // Advancing after_seq makes each poll wait for new events, so this loop never starves the run's own turns.
  let after = 0;
  while (f.engine.getRun(run.run_id).status !== "input_required") {
    after = (await f.engine.pollEvents({ run_id: run.run_id, after_seq: after, wait_ms: 100 }))
      .next_after_seq;
  }
  process.stdout.write(`${JSON.stringify(run)}\n`);
};
void poll();
setInterval(() => undefined, 60_000);
