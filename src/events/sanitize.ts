/** Keeps events small: fields over their limit leave a preview inline and move whole to an artifact. */
import type { EventData } from "./types.js";

export interface SanitizeLimits {
  /** A string field longer than this (UTF-8 bytes) moves to an artifact. */
  fieldBytes: number;
  /** The serialized `data` of an event stays under this; big objects and arrays move out too. */
  eventBytes: number;
  /** Bytes of a moved value kept inline as its preview. */
  previewBytes: number;
}

export const DEFAULT_LIMITS: SanitizeLimits = { fieldBytes: 4096, eventBytes: 16384, previewBytes: 1024 };

/** A value taken out of an event, to be written as an artifact. */
export interface ExtractedField {
  /** JSON Pointer relative to event.data (RFC 6901). */
  field_path: string;
  /** The full value: the string itself, or the JSON text of an object or array. */
  content: string;
  mime_type: "text/plain" | "application/json";
}

export interface SanitizedData {
  data: EventData;
  extracted: ExtractedField[];
}

export declare function sanitizeEventData(data: EventData, limits?: SanitizeLimits): SanitizedData;
