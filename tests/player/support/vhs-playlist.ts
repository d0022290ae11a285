import { createRequire } from "node:module";
import type { MediaPlaylistLike } from "../../../player/src/live-start.js";

// m3u8-parser ships no types; we read only the fields MediaPlaylistLike names
const { Parser } = createRequire(import.meta.url)("m3u8-parser") as {
  Parser: new () => { push(text: string): void; end(): void; manifest: unknown };
};

/**
 * Parses a media playlist with m3u8-parser (the parser VHS uses) and appends the in-progress
 * segment the way VHS's playlist loader does: `preload: true`, `duration = targetDuration`.
 */
export function vhsMediaPlaylist(text: string): MediaPlaylistLike {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  const manifest = parser.manifest as unknown as MediaPlaylistLike & {
    preloadSegment?: { parts?: { duration: number; independent?: boolean }[] };
  };
  const segments = [...manifest.segments];
  if (manifest.preloadSegment?.parts?.length) {
    segments.push({ ...manifest.preloadSegment, duration: manifest.targetDuration, preload: true });
  }
  return { ...manifest, segments };
}

/** An LL-HLS playlist: 2 s segments of ten 0.2 s parts, keyframe every `gopParts` parts. */
export function llhlsPlaylist(options: {
  fullSegments: number;
  partsInProgress: number;
  gopParts?: number;
  partHoldBack?: number;
}): string {
  const { fullSegments, partsInProgress, gopParts = 10, partHoldBack = 0.6 } = options;
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:9",
    "#EXT-X-TARGETDURATION:2",
    "#EXT-X-PART-INF:PART-TARGET=0.2",
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${partHoldBack},CAN-SKIP-UNTIL=12`,
    "#EXT-X-MEDIA-SEQUENCE:100",
    '#EXT-X-MAP:URI="init-0.mp4"',
  ];
  let partIndex = 0;
  const part = (msn: number, i: number) => {
    const independent = partIndex % gopParts === 0 ? ",INDEPENDENT=YES" : "";
    partIndex += 1;
    return `#EXT-X-PART:DURATION=0.2,URI="part-${msn}-${i}.m4s"${independent}`;
  };
  for (let s = 0; s < fullSegments; s++) {
    const msn = 100 + s;
    // parts are listed for the last two full segments only, like real servers
    if (s >= fullSegments - 2) for (let i = 0; i < 10; i++) lines.push(part(msn, i));
    else partIndex += 10;
    lines.push("#EXTINF:2.0,", `seg-${msn}.m4s`);
  }
  const current = 100 + fullSegments;
  for (let i = 0; i < partsInProgress; i++) lines.push(part(current, i));
  lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-${current}-${partsInProgress}.m4s"`);
  return `${lines.join("\n")}\n`;
}
