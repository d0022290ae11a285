// The renditions an admin can ask for (--renditions, `keys renditions`), and which of them fit a source:
// never upscaled, never above the source's bitrate. Pure.

/** Height, and the video bitrate aimed at (kbit/s): what a phone on a weak link can carry at that size. */
export const RENDITION_LADDER = [
  { name: "720p", height: 720, videoKbps: 2500 },
  { name: "480p", height: 480, videoKbps: 1200 },
  { name: "360p", height: 360, videoKbps: 700 },
  { name: "240p", height: 240, videoKbps: 400 },
] as const;

export type RenditionName = (typeof RENDITION_LADDER)[number]["name"];

export const RENDITION_NAMES: readonly RenditionName[] = RENDITION_LADDER.map((r) => r.name);

export const RENDITION_LIST_RULE = `"none" or a comma-separated list of ${RENDITION_NAMES.join(", ")}`;

/** "480p,360p" -> ["480p", "360p"] (ladder order, no repeats); "none" or "" -> []; anything else undefined. */
export function parseRenditionList(text: string): RenditionName[] | undefined {
  const trimmed = text.trim();
  if (trimmed === "none" || trimmed === "") return [];
  const items = trimmed.split(",").map((s) => s.trim());
  if (!items.every((s): s is RenditionName => (RENDITION_NAMES as readonly string[]).includes(s))) return undefined;
  return RENDITION_NAMES.filter((name) => items.includes(name));
}

export function formatRenditionList(list: readonly RenditionName[]): string {
  return list.length === 0 ? "none" : list.join(",");
}

export interface RenditionPlan {
  name: RenditionName;
  width: number;
  height: number;
  videoKbps: number;
}

export interface SourceVideo {
  width: number;
  height: number;
  /** Measured video bitrate; null before it is known (the ladder's bitrate then applies). */
  videoKbps: number | null;
}

/**
 * The wanted renditions this source can feed: only heights below the source's (no upscaling), width keeping
 * the source's aspect ratio (even, as H.264 4:2:0 needs), bitrate the ladder's or the source's if lower.
 */
export function planRenditions(
  wanted: readonly RenditionName[],
  source: SourceVideo,
): { planned: RenditionPlan[]; skipped: Array<{ name: RenditionName; reason: string }> } {
  const planned: RenditionPlan[] = [];
  const skipped: Array<{ name: RenditionName; reason: string }> = [];
  for (const rung of RENDITION_LADDER) {
    if (!wanted.includes(rung.name)) continue;
    if (rung.height >= source.height) {
      skipped.push({ name: rung.name, reason: `the source is ${source.width}x${source.height}: no upscaling` });
      continue;
    }
    const width = Math.max(2, Math.round((source.width * rung.height) / source.height / 2) * 2);
    const videoKbps = Math.max(100, Math.min(rung.videoKbps, source.videoKbps ?? rung.videoKbps));
    planned.push({ name: rung.name, width, height: rung.height, videoKbps });
  }
  return { planned, skipped };
}
