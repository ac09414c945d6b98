/**
 * `artifact get`: the whole of a field moved to an artifact, paged from the engine and streamed to stdout, byte
 * for byte when redirected. On a terminal it is the agent's output shown to a person, so it is made terminal-safe
 * unless `--raw` asks for the bytes as they are.
 */
import type { Engine } from "../engine/engine.js";
import { printJson, write } from "./output.js";
import { safeText } from "./terminal-safe.js";

/** The largest page the engine serves: fewest round trips for a big payload. */
const PAGE_BYTES = 1024 * 1024;

export async function artifactGet(
  engine: Engine,
  runId: string,
  seq: number,
  fieldPath: string,
  options: { json?: boolean; raw?: boolean },
  out: NodeJS.WriteStream = process.stdout,
): Promise<number> {
  const exact = options.raw === true || out.isTTY !== true;
  // "stdout" is taken for "/stdout"; "" (the whole of data) stays as it is.
  const path = fieldPath === "" || fieldPath.startsWith("/") ? fieldPath : `/${fieldPath}`;
  let offset = 0;
  let content = "";
  for (;;) {
    const page = engine.getEventArtifact({ run_id: runId, seq, field_path: path, offset, limit: PAGE_BYTES });
    if (options.json) {
      content += page.content;
      if (!page.has_more) {
        const {
          content: _last,
          returned_bytes: _r,
          offset: _o,
          next_offset: _n,
          has_more: _h,
          ...about
        } = page;
        await printJson({ ...about, content });
        return 0;
      }
    } else {
      await write(out, exact ? page.content : safeText(page.content));
      if (!page.has_more) return 0;
    }
    offset = page.next_offset;
  }
}
