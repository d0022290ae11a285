// Names inside a recording's folder and in its URLs. Parsed strictly, so a request name maps to a file
// of the recording without ever joining user input into a path.
import { parseResourceName } from "../hls/resource-names.js";

/** Recording ids are the UTC start time, sortable as text: 20261203-221500, with -2, -3... on a clash. */
const RECORDING_ID = /^[0-9]{8}-[0-9]{6}(-[1-9][0-9]{0,2})?$/;

export const META_FILE = "recording.json";
export const INDEX_FILE = "index.jsonl";
export const PLAYLIST_NAME = "index.m3u8";
export const DOWNLOAD_NAME = "recording.mp4";
/** Per-stream switches live in the recordings root; stream names cannot contain a dot, so no clash. */
export const SWITCHES_FILE = "switches.json";

export const recordingInitName = (n: number): string => `init-${n}.mp4`;
export const recordingSegmentName = (n: number): string => `seg-${n}.m4s`;

export function isRecordingId(id: string): boolean {
  return RECORDING_ID.test(id);
}

/** The id for a recording starting at `epochMs`; `attempt` > 1 adds a suffix for a second show in the same second. */
export function recordingId(epochMs: number, attempt = 1): string {
  const iso = new Date(epochMs).toISOString();
  const base = `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
  return attempt > 1 ? `${base}-${attempt}` : base;
}

export type RecordingFile = { kind: "playlist" } | { kind: "download" } | { kind: "media"; name: string };

/** A file a recording's URL may name: its playlist, its download, or one of its init/media segments. */
export function parseRecordingFile(name: string): RecordingFile | null {
  if (name === PLAYLIST_NAME) return { kind: "playlist" };
  if (name === DOWNLOAD_NAME) return { kind: "download" };
  const resource = parseResourceName(name);
  if (!resource || resource.kind === "part") return null;
  return { kind: "media", name };
}
