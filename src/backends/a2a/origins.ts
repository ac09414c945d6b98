/**
 * Where a remote_a2a run's credentials may go: agent_url's origin and the origins the caller listed in
 * `backend_config.allowed_origins`, and never in clear text to another machine unless the caller asked for it.
 */
import type { AgentCard } from "@a2a-js/sdk";
import { isLoopbackHost } from "../../core/host-guard.js";

/** A request the run's credentials may not follow; its message is the whole story, told as is. */
export class OriginRefused extends Error {
  override name = "OriginRefused";
}

/** The origin a bare `scheme://host[:port]` names, or undefined for anything else (a path, a query, a user). */
export function parseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== "/") return undefined;
  return url.origin;
}

/** Plain http to anything but 127.0.0.0/8, ::1 or localhost: readable by every hop of the network. */
export function isInsecure(url: URL): boolean {
  const host = url.hostname;
  return url.protocol === "http:" && !isLoopbackHost(host);
}

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/**
 * Refuses a card that would send the run's credentials elsewhere: every interface of a binding the client can
 * use must lie on an allowed origin. A card is the agent's word, so it does not get to widen the list.
 */
export function checkCardOrigins(
  card: AgentCard,
  agentUrl: string,
  allowed: ReadonlySet<string>,
  bindings: readonly string[],
): void {
  const usable = new Set(bindings.map((b) => b.toUpperCase()));
  for (const iface of card.supportedInterfaces ?? []) {
    if (!usable.has(iface.protocolBinding?.toUpperCase() ?? "")) continue;
    const origin = originOf(iface.url);
    if (origin !== undefined && allowed.has(origin)) continue;
    throw new OriginRefused(
      `the agent card at ${agentUrl} names the interface ${JSON.stringify(iface.url)}, not on agent_url's ` +
        `origin ${new URL(agentUrl).origin}; the token and headers go only there and to ` +
        `backend_config.allowed_origins: add ${JSON.stringify(origin ?? iface.url)} to ` +
        "backend_config.allowed_origins if this agent is meant to be reached there",
    );
  }
}
