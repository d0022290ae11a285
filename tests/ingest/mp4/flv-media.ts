// Test helper: reads an FLV file (as ffmpeg writes it) into its tags and into the codec-level
// MediaEvents an RTMP adapter hands to the hub (the mapping the ingest's rtmp/ adapter makes).
import type { FlvTag } from "../../../ingest/src/rtmp/flv.js";
import type { MediaEvent } from "../../../ingest/src/streams/media.js";

export function readFlvTags(file: Buffer): FlvTag[] {
  if (file.toString("latin1", 0, 3) !== "FLV") throw new Error("not an FLV file");
  const tags: FlvTag[] = [];
  let pos = file.readUInt32BE(5) + 4;
  while (pos + 11 <= file.length) {
    const typeId = file[pos]!;
    const size = file.readUIntBE(pos + 1, 3);
    const timestamp = file.readUIntBE(pos + 4, 3) + file[pos + 7]! * 0x100_0000;
    const data = file.subarray(pos + 11, pos + 11 + size);
    if (data.length < size) break;
    const type = typeId === 8 ? "audio" : typeId === 9 ? "video" : typeId === 18 ? "script" : null;
    if (type) tags.push({ type, timestamp, data });
    pos += 11 + size + 4;
  }
  return tags;
}

/** One FLV tag (H.264 / AAC) as MediaEvents: a config, a frame, or nothing (script, end of sequence). */
export function tagToMedia(tag: FlvTag): MediaEvent | null {
  const d = tag.data;
  if (tag.type === "video" && d.length >= 5 && (d[0]! & 0x0f) === 7) {
    if (d[1] === 0) return { kind: "video-config", config: { codec: "h264", avcC: d.subarray(5) } };
    if (d[1] !== 1) return null;
    const cts = d.readIntBE(2, 3);
    return { kind: "video", dts: tag.timestamp, pts: tag.timestamp + cts, keyframe: d[0]! >> 4 === 1, data: d.subarray(5) };
  }
  if (tag.type === "audio" && d.length >= 2 && d[0]! >> 4 === 10) {
    if (d[1] === 0) return { kind: "audio-config", config: { codec: "aac", asc: d.subarray(2) } };
    return { kind: "audio", dts: tag.timestamp, data: d.subarray(2) };
  }
  return null;
}

export function flvToMedia(file: Buffer): MediaEvent[] {
  return readFlvTags(file)
    .map(tagToMedia)
    .filter((e): e is MediaEvent => e !== null);
}
