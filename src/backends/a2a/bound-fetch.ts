/**
 * fetch with the run's credentials bound to origins: the headers go only on a request to an allowed origin.
 * Redirects of such a request are followed by hand, because fetch itself, on a redirect to another origin, drops
 * `Authorization` but keeps every other header (an `X-Api-Key` from `headers` would travel on).
 */
import { OriginRefused } from "./origins.js";

const MAX_REDIRECTS = 5;

function redirectError(from: URL, to: URL): Error {
  return new OriginRefused(
    `the A2A agent at ${from.origin} redirected to ${to.href}, another origin; the token and headers go only ` +
      `to agent_url's origin and backend_config.allowed_origins: add ${JSON.stringify(to.origin)} to ` +
      "backend_config.allowed_origins if intended",
  );
}

export function boundFetch(headers: Record<string, string>, allowed: ReadonlySet<string>): typeof fetch {
  if (Object.keys(headers).length === 0) return fetch;
  const send = async (url: URL, init: RequestInit | undefined, hops: number): Promise<Response> => {
    if (!allowed.has(url.origin)) return fetch(url, init);
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) if (!merged.has(name)) merged.set(name, value);
    const response = await fetch(url, { ...init, headers: merged, redirect: "manual" });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || location === null) return response;
    await response.body?.cancel();
    const next = new URL(location, url);
    if (!allowed.has(next.origin)) throw redirectError(url, next);
    if (hops >= MAX_REDIRECTS) throw new Error(`the A2A agent at ${url.origin} redirected too many times`);
    // As fetch does: 307 and 308 repeat the request, the others turn a POST into a GET without a body.
    const method = (init?.method ?? "GET").toUpperCase();
    const same = response.status === 307 || response.status === 308 || method === "GET" || method === "HEAD";
    return send(next, same ? init : { ...init, method: "GET", body: undefined }, hops + 1);
  };
  return (input, init) => send(new URL(input instanceof Request ? input.url : input), init, 0);
}
