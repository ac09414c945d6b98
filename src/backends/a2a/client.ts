/** An A2A client for one agent URL: the card's transport (JSON-RPC or REST), 0.3 agents too, our headers on every call. */
import {
  type Client,
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";

/** fetch with the run's headers added (credentials never leave memory). */
function fetchWith(headers: Record<string, string>): typeof fetch {
  return (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) if (!merged.has(name)) merged.set(name, value);
    return fetch(input, { ...init, headers: merged });
  };
}

export async function connectAgent(agentUrl: string, headers: Record<string, string>): Promise<Client> {
  const fetchImpl = fetchWith(headers);
  const legacyCompat = { enabled: true };
  const factory = new ClientFactory({
    transports: [
      new JsonRpcTransportFactory({ fetchImpl, legacyCompat }),
      new RestTransportFactory({ fetchImpl, legacyCompat }),
    ],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl, legacyCompat }),
  });
  return factory.createFromUrl(agentUrl);
}
