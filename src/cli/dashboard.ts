/** `dashboard [--port N] [--host H]`: the read-only web dashboard (src/dashboard/), served until SIGINT/SIGTERM. */

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
