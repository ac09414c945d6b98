/** `dashboard`: the web dashboard of issue 6, not in this version yet. */

export function dashboard(): number {
  process.stderr.write(
    "the dashboard is not available in this version yet; meanwhile: orchestration-mcp runs list, runs tail ID\n",
  );
  return 2;
}
