/** Hand-written A2A test agents (see scenarios.ts for the `[[markers]]` they understand). */
export { type BrokenCardKind, type BrokenCardServer, startBrokenCardServer } from "./broken-card.js";
export {
  type AgentOptions,
  BIG_ARTIFACT_BYTES,
  type FakeA2AAgent,
  parseScenario,
  type RecordedRequest,
  type SeenMessage,
} from "./common.js";
export { type LegacyAgentOptions, startLegacyAgent } from "./legacy-agent.js";
export {
  dataPart,
  JSONRPC_PATH,
  REST_PATH,
  type ScenarioAgentOptions,
  startPollingAgent,
  startScenarioAgent,
  textPart,
  type V1Binding,
} from "./scenario-agent.js";
export { AUTH_PROMPT, FAILURE, QUESTION, REJECTION } from "./scenarios.js";
