/** What a caller's A2A message means to a backend: a prompt and parts for a new turn, or an answer to a request. */
import type { Message, Part } from "@a2a-js/sdk";
import type { InputMessage, InputPart } from "../core/run.js";

function inputPart(part: Part): InputPart | undefined {
  const content = part.content;
  const file = {
    ...(part.mediaType ? { mime_type: part.mediaType } : {}),
    ...(part.filename ? { name: part.filename } : {}),
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

/** Every part of the message, as the backend interface spells them (answers to `input_required` go this way). */
export function inputMessage(message: Message): InputMessage {
  return { role: "user", parts: message.parts.flatMap((part) => inputPart(part) ?? []) };
}

/** A new turn: text parts make the prompt, data and file parts ride along as `input_message`. */
export function turnInput(message: Message): { prompt?: string; input_message?: InputMessage } {
  const parts = inputMessage(message).parts;
  const texts = parts.flatMap((part) => (part.type === "text" ? [part.text] : []));
  const others = parts.filter((part) => part.type !== "text");
  return {
    ...(texts.length > 0 ? { prompt: texts.join("\n") } : {}),
    ...(others.length > 0 ? { input_message: { role: "user", parts: others } } : {}),
  };
}
