/** The prompt a Claude Code turn is given: text, input parts spelled out (the SDK takes one text prompt here). */
import type { InputMessage } from "../../core/run.js";

export function promptText(source: { prompt?: string; input_message?: InputMessage }): string {
  const lines: string[] = [];
  if (source.prompt !== undefined) lines.push(source.prompt);
  for (const part of source.input_message?.parts ?? []) {
    if (part.type === "text") lines.push(part.text);
    else if (part.type === "data") lines.push(`\`\`\`json\n${JSON.stringify(part.data, null, 2)}\n\`\`\``);
    else if (part.uri) {
      lines.push(
        `[Attached file: ${part.name ?? part.uri}${part.mime_type ? ` (${part.mime_type})` : ""} at ${part.uri}]`,
      );
    } else {
      lines.push(
        `[Attached file: ${part.name ?? "inline"}: inline bytes cannot be passed; save it to a file and name its path]`,
      );
    }
  }
  return lines.join("\n\n");
}
