// On-disk description of one recording, in two files:
// - recording.json (meta: id, stream, start, end), replaced atomically (temp, fsync, rename) when the
//   recording starts and when it ends;
// - index.jsonl, a journal with one line per init and per segment, appended (and fsynced) only after
//   the file it names is complete on disk. Rewriting one JSON index per segment would cost O(n^2)
//   bytes over a long show; an append costs one line. A crash can leave a torn last line: it is ignored,
//   and so is the file it would have named (at most the segment being written).
import { z } from "zod";
import { isRecordingId } from "./recording-names.js";

const iso = z.iso.datetime();

export const recordingMetaSchema = z.strictObject({
  version: z.literal(1),
  id: z.string().refine(isRecordingId, { error: "expected a recording id" }),
  stream: z.string(),
  startedAt: iso,
  endedAt: iso.nullable(),
  /** Why it ended: "show ended", "shutdown", "recovered after a crash", "recording turned off"... */
  endReason: z.string().optional(),
});
export type RecordingMeta = z.infer<typeof recordingMetaSchema>;

const count = z.number().int().nonnegative();

const initLine = z.strictObject({ t: z.literal("init"), n: count, bytes: count });
const segmentLine = z.strictObject({
  t: z.literal("seg"),
  n: count,
  /** Local init number (init-<init>.mp4). */
  init: count,
  /** Seconds (a segment is a few seconds; an hour bounds a corrupt line). */
  dur: z.number().positive().max(3600),
  bytes: count,
  /** Epoch ms of the first sample, within what a Date can hold. */
  pdt: z.number().min(0).max(8.64e15),
  disc: z.boolean(),
});
const indexLine = z.discriminatedUnion("t", [initLine, segmentLine]);

export type InitEntry = z.infer<typeof initLine>;
export type SegmentEntry = z.infer<typeof segmentLine>;
export type IndexLine = z.infer<typeof indexLine>;

export interface RecordingIndex {
  inits: InitEntry[];
  segments: SegmentEntry[];
}

export function formatIndexLine(line: IndexLine): string {
  return `${JSON.stringify(line)}\n`;
}

/**
 * Reads a journal. Lines are taken in order until the first one that is cut short or invalid (a crash
 * mid-append): everything after it is ignored. A segment naming an init that was not indexed ends it too.
 */
export function parseIndex(text: string): RecordingIndex {
  const index: RecordingIndex = { inits: [], segments: [] };
  const known = new Set<number>();
  const lines = text.split("\n");
  // The last element is what follows the final newline: complete lines always end with one.
  lines.pop();
  for (const raw of lines) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      break;
    }
    const parsed = indexLine.safeParse(value);
    if (!parsed.success) break;
    const line = parsed.data;
    if (line.t === "init") {
      index.inits.push(line);
      known.add(line.n);
    } else {
      if (!known.has(line.init)) break;
      index.segments.push(line);
    }
  }
  return index;
}

export function parseMeta(text: string): RecordingMeta | undefined {
  try {
    const parsed = recordingMetaSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Sum of EXTINF durations: the recording's length. */
export function durationOf(index: RecordingIndex): number {
  return index.segments.reduce((sum, s) => sum + s.dur, 0);
}

export function bytesOf(index: RecordingIndex): number {
  return index.inits.reduce((sum, i) => sum + i.bytes, 0) + index.segments.reduce((sum, s) => sum + s.bytes, 0);
}

/** When the last indexed segment ends (epoch ms), or undefined for an empty index. */
export function mediaEndOf(index: RecordingIndex): number | undefined {
  const last = index.segments.at(-1);
  return last ? last.pdt + last.dur * 1000 : undefined;
}
