/** Our input parts ↔ A2A parts (protocol v1.0 shapes of @a2a-js/sdk). */
import type { Part } from "@a2a-js/sdk";
import type { InputMessage, InputPart } from "../../core/run.js";

const part = (content: Part["content"], extra: Partial<Part> = {}): Part => ({
  content,
  metadata: undefined,
  filename: extra.filename ?? "",
  mediaType: extra.mediaType ?? "",
});

export function toA2aParts(source: { prompt?: string; input_message?: InputMessage }): Part[] {
  const parts: Part[] = [];
  if (source.prompt !== undefined) parts.push(part({ $case: "text", value: source.prompt }));
  for (const item of source.input_message?.parts ?? []) parts.push(toA2aPart(item));
  return parts;
}

function toA2aPart(item: InputPart): Part {
  if (item.type === "text") return part({ $case: "text", value: item.text });
  if (item.type === "data") return part({ $case: "data", value: item.data });
  const meta = { filename: item.name ?? "", mediaType: item.mime_type ?? "" };
  return item.uri !== undefined
    ? part({ $case: "url", value: item.uri }, meta)
    : part({ $case: "raw", value: Buffer.from(item.bytes_base64 ?? "", "base64") }, meta);
}

/** An A2A part as one of our input parts (files by URL or as base64 bytes); undefined for an empty part. */
export function fromA2aPart(p: Part): InputPart | undefined {
  const content = p.content;
  const file = {
    ...(p.filename ? { name: p.filename } : {}),
    ...(p.mediaType ? { mime_type: p.mediaType } : {}),
  };
  switch (content?.$case) {
    case "text":
      return { type: "text", text: content.value };
    case "data":
      return { type: "data", data: content.value };
    case "url":
      return { type: "file", uri: content.value, ...file };
    case "raw":
      return { type: "file", bytes_base64: Buffer.from(content.value).toString("base64"), ...file };
    default:
      return undefined;
  }
}

export const textOf = (parts: Part[]): string =>
  parts
    .map((p) => (p.content?.$case === "text" ? p.content.value : ""))
    .filter(Boolean)
    .join("\n");

export const dataOf = (parts: Part[]): unknown =>
  parts.find((p) => p.content?.$case === "data")?.content?.value as unknown;
