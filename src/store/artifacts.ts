/** Artifacts: the full values of event fields too big to stay inline, paged by bytes. */
import type { ExtractedField } from "../events/sanitize.js";

export interface ArtifactPage {
  total_bytes: number;
  offset: number;
  returned_bytes: number;
  next_offset: number;
  has_more: boolean;
  mime_type: string;
  encoding: "utf-8";
  content: string;
}

export declare function artifactDirName(seq: number, type: string): string;
export declare function writeArtifacts(runDir: string, seq: number, type: string, fields: ExtractedField[]): void;
export declare function readArtifactPage(
  runDir: string,
  seq: number,
  type: string,
  fieldPath: string,
  offset: number,
  limit: number,
): ArtifactPage;
