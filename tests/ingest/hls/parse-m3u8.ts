// Reads playlists with m3u8-parser, the parser VHS itself uses (it ships no types: only the fields
// the tests read are typed here).
import { createRequire } from "node:module";

export interface ParsedPart {
  uri: string;
  duration: number;
  independent?: boolean;
}
export interface ParsedSegment {
  uri: string;
  duration: number;
  parts?: ParsedPart[];
  discontinuity?: boolean;
  timeline: number;
  map?: { uri: string };
  dateTimeString?: string;
  programDateTime?: number;
}
export interface ParsedPlaylist {
  version?: number;
  mediaSequence?: number;
  discontinuitySequence?: number;
  targetDuration?: number;
  partTargetDuration?: number;
  endList?: boolean;
  independentSegments?: boolean;
  segments: ParsedSegment[];
  preloadSegment?: {
    parts?: ParsedPart[];
    preloadHints?: Array<{ type: string; uri: string }>;
    map?: { uri: string };
    timeline?: number;
    dateTimeString?: string;
  };
  skip?: { skippedSegments: number };
  serverControl?: { canBlockReload?: boolean; canSkipUntil?: number; partHoldBack?: number };
  partInf?: { partTarget: number };
  /** A multivariant playlist's EXT-X-STREAM-INF entries. */
  playlists?: ParsedVariant[];
}

export interface ParsedVariant {
  uri: string;
  attributes: {
    BANDWIDTH?: number;
    /** m3u8-parser leaves it a string. */
    "AVERAGE-BANDWIDTH"?: string;
    RESOLUTION?: { width: number; height: number };
    CODECS?: string;
    "FRAME-RATE"?: number;
  };
}

interface ParserInstance {
  push(text: string): void;
  end(): void;
  on(event: "warn" | "info", listener: (e: { message: string }) => void): void;
  manifest: ParsedPlaylist;
}

const { Parser } = createRequire(import.meta.url)("m3u8-parser") as { Parser: new () => ParserInstance };

/** Parses a playlist; `warnings` collects what m3u8-parser complains about. */
export function parseM3u8(text: string): { manifest: ParsedPlaylist; warnings: string[] } {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on("warn", (e) => warnings.push(e.message));
  parser.push(text);
  parser.end();
  return { manifest: parser.manifest, warnings };
}
