/** What a codex turn is given: the prompt, the persona before it, and input parts mapped to the SDK's input. */
import { extname, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import type { Input, UserInput } from "@openai/codex-sdk";
import type { InputMessage } from "../../core/run.js";

const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"]);

export interface TurnInputSource {
  prompt?: string;
  input_message?: InputMessage;
  profile_text?: string;
}

/** A local path named by a file part, if it is one (a plain absolute path or a file: URI). */
function localPath(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  if (uri.startsWith("file:")) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(uri) ? uri : undefined;
}

export function turnInput(source: TurnInputSource): Input {
  const lines: string[] = [];
  const images: UserInput[] = [];
  if (source.profile_text) lines.push(`<instructions>\n${source.profile_text.trim()}\n</instructions>`);
  if (source.prompt !== undefined) lines.push(source.prompt);
  for (const part of source.input_message?.parts ?? []) {
    if (part.type === "text") lines.push(part.text);
    else if (part.type === "data") lines.push(`\`\`\`json\n${JSON.stringify(part.data, null, 2)}\n\`\`\``);
    else {
      const path = localPath(part.uri);
      const name = part.name ?? path ?? part.uri ?? "an inline file";
      if (
        path &&
        (IMAGE_EXTENSIONS.has(extname(path).toLowerCase()) || part.mime_type?.startsWith("image/"))
      ) {
        images.push({ type: "local_image", path });
      } else if (path || part.uri) {
        lines.push(
          `[Attached file: ${name}${part.mime_type ? ` (${part.mime_type})` : ""} at ${path ?? part.uri}]`,
        );
      } else {
        lines.push(
          `[Attached file: ${name}: inline bytes cannot be passed to codex; save it to a file and name its path]`,
        );
      }
    }
  }
  const text = lines.join("\n\n");
  return images.length === 0 ? text : [{ type: "text", text }, ...images];
}
