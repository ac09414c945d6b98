/** `a2a-agent [flags]`: our A2A agent wrapping a local backend (the same launcher as `npm run start:a2a-agent`). */

export async function a2aAgent(argv: string[]): Promise<void> {
  const { launchAgent } = await import("../agents/launch.js");
  await launchAgent(argv, "orchestration-mcp a2a-agent");
}
