/**
 * A backend whose module, and the SDK it imports, loads on its first run. The facts the engine needs before a
 * run starts (config check, whether it takes input, clean-up after a dead server) come from light modules, so a
 * command that never starts a run does not pay for three SDKs.
 */
import type { Backend, BackendRun, BackendRunSpec } from "./types.js";

export interface LazyBackendSpec {
  name: string;
  /** Throws OrchestratorError("invalid_input") naming the field; must not need the SDK. */
  validateConfig(config: Record<string, unknown>): void;
  /** The backend's runs answer input_required/auth_required (they offer sendInput). */
  takesInput: boolean;
  cleanup?(runId: string): Promise<void>;
  load(): Promise<Backend>;
}

export class LazyBackend implements Backend {
  readonly name: string;
  readonly cleanup?: (runId: string) => Promise<void>;
  private loading?: Promise<Backend>;

  constructor(private readonly spec: LazyBackendSpec) {
    this.name = spec.name;
    this.cleanup = spec.cleanup;
  }

  validateConfig(config: Record<string, unknown>): void {
    this.spec.validateConfig(config);
  }

  start(spec: BackendRunSpec): BackendRun {
    this.loading ??= this.spec.load();
    const started = this.loading.then((backend) => (spec.signal.aborted ? undefined : backend.start(spec)));
    // Awaited by the events below; this keeps a failure before the first read from counting as unhandled.
    started.catch(() => undefined);
    async function* events() {
      const run = await started;
      if (run) yield* run.events;
    }
    const run: BackendRun = {
      events: events(),
      cancel: async () => {
        await (await started.catch(() => undefined))?.cancel();
      },
    };
    if (this.spec.takesInput) {
      run.sendInput = async (message) => {
        const inner = await started;
        if (!inner?.sendInput) throw new Error(`${this.name}: this run takes no input`);
        await inner.sendInput(message);
      };
    }
    return run;
  }
}
