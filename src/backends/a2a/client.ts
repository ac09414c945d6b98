/**
 * An A2A client for one agent URL: the card's transport (JSON-RPC or REST), 0.3 agents too, our headers on the
 * calls to agent_url's origin and the allowed origins only.
 */
import {
  type Client,
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";
import { boundFetch } from "./bound-fetch.js";
import type { A2aConfig } from "./options.js";
import { checkCardOrigins } from "./origins.js";

export async function connectAgent(config: A2aConfig): Promise<Client> {
  const allowed = new Set([new URL(config.agent_url).origin, ...config.allowed_origins]);
  const fetchImpl = boundFetch(config.headers, allowed);
  const legacyCompat = { enabled: true };
  const transports = [
    new JsonRpcTransportFactory({ fetchImpl, legacyCompat }),
    new RestTransportFactory({ fetchImpl, legacyCompat }),
  ];
  const resolver = new DefaultAgentCardResolver({ fetchImpl, legacyCompat });
  const bindings = transports.map((t) => t.protocolName);
  const factory = new ClientFactory({
    transports,
    cardResolver: {
      resolve: async (baseUrl, path) => {
        const card = await resolver.resolve(baseUrl, path);
        // Without credentials a card may send us anywhere: there is nothing to leak.
        if (Object.keys(config.headers).length > 0) {
          checkCardOrigins(card, config.agent_url, allowed, bindings);
        }
        return card;
      },
    },
  });
  // The card's full URL with an empty path: the SDK would otherwise resolve the well-known path from the host's
  // root, dropping a path in agent_url.
  return factory.createFromUrl(config.card_url, "");
}
