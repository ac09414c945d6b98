/**
 * The DNS-rebinding defence of every local HTTP listener (our A2A agents, the dashboard): a request is served only
 * when its Host header names this machine's loopback or a name the operator gave, and, when a browser sent an
 * Origin, that Origin is one of those names too. A web page that rebinds its own name to 127.0.0.1 sends its own
 * name in both, and is refused.
 */

import { networkInterfaces } from "node:os";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];

/** Names and addresses only this machine reaches: localhost, 127.0.0.0/8 (also IPv4-mapped) and ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

const isWildcard = (host: string): boolean => host === "0.0.0.0" || host === "::" || host === "[::]";

/**
 * The names a listener bound to `host` is reached by, besides loopback: the address itself, or for a wildcard
 * every address of this machine (an IP address cannot be rebound to another site, so accepting them is safe).
 */
export function bindNames(host: string): string[] {
  const addresses = isWildcard(host)
    ? Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address))
    : [host];
  // A bare IPv6 address reads as a name with a port; in brackets it is an address.
  return addresses.map((a) => (a.includes(":") && !a.startsWith("[") ? `[${a}]` : a));
}

export interface HostGuard {
  /** Why a request with these headers is refused, or undefined when it may be served. */
  refusal(headers: { host?: string | undefined; origin?: string | undefined }): string | undefined;
  /** The host names accepted, for messages and logs. */
  readonly names: readonly string[];
}

/** `extraNames` are host names (or URLs, whose host is taken) the listener is also reached by. */
export function hostGuard(extraNames: readonly string[] = []): HostGuard {
  const names = new Set(LOOPBACK_NAMES);
  for (const entry of extraNames) {
    const name = hostnameOf(entry);
    if (name && name !== "0.0.0.0" && name !== "::") names.add(name);
  }
  return {
    names: [...names],
    refusal(headers) {
      const host = headers.host === undefined ? undefined : hostnameOf(headers.host);
      if (!host) return "missing Host header";
      if (!names.has(host)) return `Host ${JSON.stringify(headers.host)} is not one of this server's names`;
      if (headers.origin === undefined) return undefined;
      const origin = originHostname(headers.origin);
      if (!origin || !names.has(origin)) return `Origin ${JSON.stringify(headers.origin)} is not allowed`;
      return undefined;
    },
  };
}

/** `example.com:80`, `[::1]:8080`, `http://Example.com/x` or a bare name → its lower-case host name. */
function hostnameOf(value: string): string | undefined {
  const text = value.trim();
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  // A Host header is a name and a port, nothing else (no userinfo, no path that a URL parser would skip).
  if (!isUrl && !/^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(text)) return undefined;
  try {
    const url = new URL(isUrl ? text : `http://${text}`);
    return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

function originHostname(origin: string): string | undefined {
  if (!/^https?:\/\//i.test(origin)) return undefined;
  return hostnameOf(origin);
}
