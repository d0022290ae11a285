// Renders a recording's media playlist. Pure. An ended recording is a VOD playlist (every segment, ENDLIST);
// the one still recording is an EVENT playlist (segments are only ever appended).
import { formatSeconds } from "../hls/playlist-writer.js";
import type { RecordingIndex } from "./recording-index.js";
import { recordingInitName, recordingSegmentName } from "./recording-names.js";

export function renderVodPlaylist(index: RecordingIndex, ended: boolean): string {
  // RFC 8216bis 4.4.3.1: every EXTINF rounded to the nearest integer must be <= TARGETDURATION.
  const target = Math.max(1, ...index.segments.map((s) => Math.round(s.dur)));
  const lines = [
    "#EXTM3U",
    // EXT-X-MAP without I-FRAMES-ONLY needs version 6.
    "#EXT-X-VERSION:6",
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-PLAYLIST-TYPE:${ended ? "VOD" : "EVENT"}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
  ];
  let init: number | null = null;
  for (const [i, seg] of index.segments.entries()) {
    // A new init segment means new codec parameters: the decoder must be reset, like after a reconnect.
    const discontinuity = i > 0 && (seg.disc || seg.init !== init);
    if (discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    if (seg.init !== init || discontinuity) {
      lines.push(`#EXT-X-MAP:URI="${recordingInitName(seg.init)}"`);
      init = seg.init;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.pdt).toISOString()}`);
    lines.push(`#EXTINF:${formatSeconds(seg.dur)},`, recordingSegmentName(seg.n));
  }
  if (ended) lines.push("#EXT-X-ENDLIST");
  return `${lines.join("\n")}\n`;
}
