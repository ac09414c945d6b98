/**
 * Who may read the dashboard (issue 11): a request whose Host and Origin name this machine (the DNS-rebinding
 * defence every local listener shares), carrying a random token made at each start and printed in the URL. The page
 * that opens that URL trades it for an HttpOnly, SameSite=Strict cookie; scripts send it as a bearer token.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { bindNames, hostGuard } from "../core/host-guard.js";

/** What to do with a request before it reaches a page or the API. */
export type Verdict =
  /** Serve it. */
  | { kind: "pass" }
  /** Its Host or Origin is not this machine's (403, no data). */
  | { kind: "forbidden"; reason: string }
  /** No token, or a wrong one (401). */
  | { kind: "unauthorized" }
  /** The right `?token=`: set the cookie and send the browser to the same URL without it. */
  | { kind: "admit"; cookie: string; location: string };

export interface DashboardAccess {
  readonly token: string;
  check(req: IncomingMessage): Verdict;
}

/**
 * `host` is the address the dashboard is bound to: a name or address given there is accepted in Host; a wildcard
 * adds this machine's interface addresses (an IP address cannot be rebound). `port` names the cookie: browsers
 * share cookies between the ports of one host, so two dashboards would otherwise overwrite each other's.
 */
export function dashboardAccess(host: string, port: number): DashboardAccess {
  const guard = hostGuard(bindNames(host));
  const token = randomBytes(32).toString("base64url");
  const digest = sha256(token);
  const matches = (given: string) => timingSafeEqual(sha256(given), digest);
  const cookieName = `orchestration_dashboard_${port}`;
  return {
    token,
    check(req) {
      const reason = guard.refusal({ host: req.headers.host, origin: req.headers.origin });
      if (reason !== undefined) return { kind: "forbidden", reason };
      const url = new URL(req.url ?? "/", "http://dashboard.invalid");
      const given = url.searchParams.get("token");
      if (given !== null) {
        if (!matches(given)) return { kind: "unauthorized" };
        url.searchParams.delete("token");
        // One leading slash, so the Location can never read as another host (`//elsewhere`).
        const location = `/${url.pathname.replace(/^\/+/, "")}${url.search}`;
        return {
          kind: "admit",
          cookie: `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          location,
        };
      }
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
      const cookie = cookieValue(req.headers.cookie, cookieName);
      if ((bearer !== undefined && matches(bearer)) || (cookie !== undefined && matches(cookie))) {
        return { kind: "pass" };
      }
      return { kind: "unauthorized" };
    },
  };
}

/** Both sides hashed first, so the comparison takes the same time whatever the length or content of the guess. */
function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}
