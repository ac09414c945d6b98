/**
 * `dashboard [--port N] [--host H]`: the read-only web dashboard (src/dashboard/), served until SIGINT/SIGTERM. The
 * printed URL carries this start's access token; the token is never put in the environment, so nothing inherits it.
 */

interface DashboardFlags {
  port: number;
  host: string;
}

/** Serves the dashboard until SIGINT/SIGTERM. */
export async function dashboard(flags: DashboardFlags): Promise<void> {
  const [{ openEngine }, { startDashboard }] = await Promise.all([
    import("./engine.js"),
    import("../dashboard/server.js"),
  ]);
  const engine = await openEngine();
  let server: Awaited<ReturnType<typeof startDashboard>>;
  try {
    server = await startDashboard({ engine, host: flags.host, port: flags.port });
  } catch (error) {
    await engine.shutdown("the dashboard did not start");
    throw error;
  }
  if (server.busyPort !== undefined) {
    process.stderr.write(`dashboard: port ${server.busyPort} is busy; listening on a free port instead\n`);
  }
  if (server.exposed) {
    process.stderr.write(
      `dashboard: warning: bound to ${flags.host}, so it is reachable from other machines; anyone with the URL below (its token) can read every run's prompts and output, over plain http\n`,
    );
  }
  process.stdout.write(`dashboard: ${server.url} (read-only; Ctrl-C stops it)\n`);
  const stop = () => {
    void server
      .close()
      .then(() => engine.shutdown("the dashboard stopped"))
      .finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
