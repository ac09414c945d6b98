/** Express middleware requiring `Authorization: Bearer <token>`; answers 401 otherwise. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer\s+(.+)$/i.exec(req.get("authorization") ?? "");
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (match?.[1] && timingSafeEqual(digest(match[1].trim()), expected)) {
      next();
      return;
    }
    // The HTTP+JSON binding's error shape (google.rpc.Status); the SDK's clients show its message either way.
    const problem = match
      ? "invalid bearer token"
      : "missing bearer token (send Authorization: Bearer <token>)";
    res
      .status(401)
      .set("WWW-Authenticate", 'Bearer realm="a2a-agent"')
      .json({
        error: { code: 401, status: "UNAUTHENTICATED", message: `401 Unauthorized: ${problem}`, details: [] },
      });
  };
}
