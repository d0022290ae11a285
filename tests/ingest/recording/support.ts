// Real closed segments for recorder tests: an ffmpeg test pattern (2 s GOP) remuxed to fMP4 by the
// ingest's own remuxer, fragments grouped into segments at keyframes, durations from the video track.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseFragment, parseInit } from "../../../ingest/src/mp4/fmp4-reader.js";
import type { ClosedSegment } from "../../../ingest/src/recording/closed-segment.js";
import { makeFlv, muxFile } from "../media/ffmpeg-fixtures.js";

export interface RealShow {
  init: Buffer;
  segments: ClosedSegment[];
}

const cache = new Map<string, Promise<RealShow>>();

/** `seconds` of 320x240 30 fps video + AAC as the packager would close it: one segment per 2 s GOP. */
export function realShow(seconds = 6, startMs = Date.UTC(2026, 11, 3, 20, 0, 0)): Promise<RealShow> {
  const key = `${seconds}:${startMs}`;
  let show = cache.get(key);
  if (!show) {
    show = build(seconds, startMs);
    cache.set(key, show);
  }
  return show;
}

async function build(seconds: number, startMs: number): Promise<RealShow> {
  const dir = await mkdtemp(path.join(tmpdir(), "recording-media-"));
  try {
    const flv = await makeFlv(dir, "show", { seconds, gop: 60 });
    const { init, fragments } = await muxFile(flv, 500);
    const info = parseInit(init);
    const video = info.tracks.find((t) => t.kind === "video")!;
    const groups: Array<{ parts: Buffer[]; duration: number }> = [];
    for (const bytes of fragments) {
      const track = parseFragment(bytes, info).tracks.find((t) => t.id === video.id)!;
      const duration = track.samples.reduce((sum, s) => sum + s.duration, 0) / video.timescale;
      if (track.samples[0]?.isSync || groups.length === 0) groups.push({ parts: [], duration: 0 });
      const current = groups.at(-1)!;
      current.parts.push(bytes);
      current.duration += duration;
    }
    let pdt = startMs;
    const segments = groups.map((g, i): ClosedSegment => {
      const segment = {
        msn: 1000 + i,
        bytes: Buffer.concat(g.parts),
        durationS: g.duration,
        initId: 0,
        initBytes: init,
        discontinuity: false,
        programDateTime: pdt,
      };
      pdt += g.duration * 1000;
      return segment;
    });
    return { init, segments };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
