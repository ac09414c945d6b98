/** What a caller's A2A message means to a backend: a prompt and parts for a new turn, or an answer to a request. */
import type { Message } from "@a2a-js/sdk";
import { fromA2aPart } from "../backends/a2a/parts.js";
import type { InputMessage } from "../core/run.js";

/** Every part of the message, as the backend interface spells them (answers to `input_required` go this way). */
export function inputMessage(message: Message): InputMessage {
  return { role: "user", parts: message.parts.flatMap((part) => fromA2aPart(part) ?? []) };
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
