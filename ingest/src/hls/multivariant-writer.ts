// Renders the multivariant playlist of a stream with renditions (RFC 8216bis 4.4.6.2). Pure.

export interface MultivariantEntry {
  /** Its media playlist, relative: `<uri>`. */
  uri: string;
  /** Peak bits per second (the highest segment's). */
  bandwidth: number;
  averageBandwidth: number;
  width: number | null;
  height: number | null;
  /** RFC 6381, comma-separated, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  frameRate: number | null;
}

export function renderMultivariantPlaylist(entries: readonly MultivariantEntry[]): string {
  // No EXT-X-INDEPENDENT-SEGMENTS: a segment cut without a keyframe (hls/packager.ts) is not independent.
  const lines = ["#EXTM3U", "#EXT-X-VERSION:6"];
  for (const e of entries) {
    if (!/^[A-Za-z0-9._/-]+$/.test(e.uri) || e.uri.startsWith("/")) throw new Error(`invalid relative URI ${JSON.stringify(e.uri)}`);
    const attrs = [`BANDWIDTH=${Math.round(e.bandwidth)}`, `AVERAGE-BANDWIDTH=${Math.round(e.averageBandwidth)}`];
    if (e.codecs !== "") attrs.push(`CODECS="${e.codecs}"`);
    if (e.width !== null && e.height !== null) attrs.push(`RESOLUTION=${e.width}x${e.height}`);
    if (e.frameRate !== null && e.frameRate > 0) attrs.push(`FRAME-RATE=${e.frameRate.toFixed(3)}`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(",")}`, e.uri);
  }
  return `${lines.join("\n")}\n`;
}
