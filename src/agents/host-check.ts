/** Express middleware refusing (403) a request whose Host or Origin is not one of the agent's names (DNS rebinding). */
import type { RequestHandler } from "express";
import { hostGuard } from "../core/host-guard.js";

/** `names`: host names or URLs the agent is reached by, besides loopback (wildcards are ignored). */
export function hostCheck(names: readonly string[]): RequestHandler {
  const guard = hostGuard(names);
  return (req, res, next) => {
    const refusal = guard.refusal({ host: req.get("host"), origin: req.get("origin") });
    if (!refusal) {
      next();
      return;
    }
    // The shape of the bearer check's 401 (google.rpc.Status), which the SDK's clients show.
    res.status(403).json({
      error: {
        code: 403,
        status: "PERMISSION_DENIED",
        message: `403 Forbidden: ${refusal}; this agent answers to ${guard.names.join(", ")} (start it with --public-url to add a name)`,
        details: [],
      },
    });
  };
}
