/** The SDK's own A2A client pointed at our agent, and small builders for what tests send. */
import { randomUUID } from "node:crypto";
import { type Message, type Part, Role, type SendMessageRequest, type StreamResponse } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";

export type TransportName = "JSONRPC" | "HTTP+JSON";

/** A client from the agent card at `url`; `token` goes out as a bearer token on every call. */
export async function connect(url: string, options: { token?: string; transport?: TransportName } = {}) {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (options.token !== undefined) headers.set("Authorization", `Bearer ${options.token}`);
    return fetch(input, { ...init, headers });
  };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
      preferredTransports: [options.transport ?? "JSONRPC"],
    }),
  );
  return factory.createFromUrl(url);
}

export const text = (value: string): Part => ({
  content: { $case: "text", value },
  mediaType: "text/plain",
  filename: "",
  metadata: undefined,
});

export const data = (value: unknown): Part => ({
  content: { $case: "data", value },
  mediaType: "application/json",
  filename: "",
  metadata: undefined,
});

export interface Addressing {
  contextId?: string;
  taskId?: string;
  metadata?: Record<string, unknown>;
}

export function message(parts: Part[] | string, to: Addressing = {}): Message {
  return {
    messageId: randomUUID(),
    contextId: to.contextId ?? "",
    taskId: to.taskId ?? "",
    role: Role.ROLE_USER,
    parts: typeof parts === "string" ? [text(parts)] : parts,
    metadata: to.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

export function request(parts: Part[] | string, to: Addressing = {}): SendMessageRequest {
  return { tenant: "", message: message(parts, to), configuration: undefined, metadata: undefined };
}

/** Every event of a stream, in order. */
export async function collect(stream: AsyncIterable<StreamResponse>): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** A readable line per event: `task:SUBMITTED`, `status:WORKING hello`, `artifact:final_response`. */
export function describe(event: StreamResponse): string {
  const payload = event.payload;
  switch (payload?.$case) {
    case "task":
      return `task:${payload.value.status?.state}`;
    case "statusUpdate": {
      const texts = payload.value.status?.message?.parts.flatMap((p) =>
        p.content?.$case === "text" ? [p.content.value] : [],
      );
      return `status:${payload.value.status?.state}${texts?.length ? ` ${texts.join(" | ")}` : ""}`;
    }
    case "artifactUpdate":
      return `artifact:${payload.value.artifact?.name}`;
    case "message":
      return "message";
    default:
      return "?";
  }
}

export type { Client };
