/** The agent card our A2A agent serves: who it wraps, where its JSON-RPC and REST interfaces are, how to sign in. */
import type { AgentCard } from "@a2a-js/sdk";
import { VERSION } from "../version.js";

/** Paths of the two interfaces, below the agent's base URL. */
export const JSONRPC_PATH = "/a2a/jsonrpc";
export const REST_PATH = "/a2a/rest";
export const CARD_PATH = "/.well-known/agent-card.json";

const BEARER = "bearer";

export function agentCard(options: { baseUrl: string; backend: string; requiresToken: boolean }): AgentCard {
  const { baseUrl, backend } = options;
  const description =
    `A ${backend} coding agent (orchestration-mcp). Each message runs one turn in the directory named by ` +
    "metadata.cwd; a context is one conversation; answer input-required tasks with a message to the same task.";
  return {
    name: `orchestration-mcp ${backend} agent`,
    description,
    supportedInterfaces: [
      { url: `${baseUrl}${JSONRPC_PATH}`, protocolBinding: "JSONRPC", protocolVersion: "1.0", tenant: "" },
      { url: `${baseUrl}${REST_PATH}`, protocolBinding: "HTTP+JSON", protocolVersion: "1.0", tenant: "" },
    ],
    provider: undefined,
    version: VERSION,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: options.requiresToken
      ? {
          [BEARER]: {
            scheme: {
              $case: "httpAuthSecurityScheme",
              value: {
                description: "The token the agent was started with",
                scheme: "Bearer",
                bearerFormat: "",
              },
            },
          },
        }
      : {},
    securityRequirements: options.requiresToken ? [{ schemes: { [BEARER]: { list: [] } } }] : [],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [
      {
        id: `${backend}-turn`,
        name: `Run a ${backend} turn`,
        description: `Runs the message as a prompt for ${backend} in metadata.cwd and streams what it does.`,
        tags: ["coding", backend],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}
