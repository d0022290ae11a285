import { describe, expect, it } from "vitest";
import { FlvFeed, type FeedStep } from "../../../ingest/src/media/flv-feed.js";
import type { FlvTag } from "../../../ingest/src/media/flv-writer.js";
import { mediaEventOf } from "../../../ingest/src/rtmp/flv-media.js";
import type { MediaEvent } from "../../../ingest/src/streams/media.js";
import type { AnnouncedTracks } from "../../../ingest/src/streams/publish-source.js";

// Tag bodies as OBS sends them: first byte = frame type/codec (video) or format/rate (audio), second = packet type.
// The feed takes them as the RTMP adapter hands them to the hub (media events) and writes them back as FLV.
const tag = (type: FlvTag["type"], timestamp: number, ...bytes: number[]): FlvTag => ({ type, timestamp, data: Buffer.from(bytes) });
const media = (t: FlvTag): MediaEvent => mediaEventOf(t)!;
const avcHeader = (ts = 0, v = 1) => tag("video", ts, 0x17, 0x00, 0, 0, 0, v);
const aacHeader = (ts = 0, v = 0x12) => tag("audio", ts, 0xaf, 0x00, v, 0x10);
const keyframe = (ts: number) => tag("video", ts, 0x17, 0x01, 0, 0, 0, 0x65);
const interframe = (ts: number) => tag("video", ts, 0x27, 0x01, 0, 0, 0, 0x41);
const aacFrame = (ts: number) => tag("audio", ts, 0xaf, 0x01, 0x21);

const BOTH: AnnouncedTracks = { audio: true, video: true };

interface Written {
  header: { audio: boolean; video: boolean } | null;
  tags: Array<{ type: FlvTag["type"]; timestamp: number; data: number[] }>;
}

/** Reads what the feed wrote back as an FLV reader would (header, then tags with their PreviousTagSize). */
function readFlv(bytes: Buffer): Written {
  let offset = 0;
  let header: Written["header"] = null;
  if (bytes.toString("latin1", 0, 3) === "FLV") {
    header = { audio: (bytes[4]! & 0x04) !== 0, video: (bytes[4]! & 0x01) !== 0 };
    expect(bytes.readUInt32BE(5)).toBe(9);
    expect(bytes.readUInt32BE(9)).toBe(0);
    offset = 13;
  }
  const tags: Written["tags"] = [];
  const types = { 8: "audio", 9: "video", 18: "script" } as const;
  while (offset < bytes.length) {
    const size = bytes.readUIntBE(offset + 1, 3);
    const timestamp = bytes.readUIntBE(offset + 4, 3) | (bytes[offset + 7]! << 24);
    tags.push({ type: types[bytes[offset] as 8 | 9 | 18], timestamp, data: [...bytes.subarray(offset + 11, offset + 11 + size)] });
    expect(bytes.readUInt32BE(offset + 11 + size)).toBe(11 + size);
    offset += 11 + size + 4;
  }
  return { header, tags };
}

function written(step: FeedStep): Written {
  if (step.kind !== "write") throw new Error(`expected a write, got ${step.kind}`);
  return readFlv(step.bytes);
}

const same = (t: FlvTag, timestamp = t.timestamp) => ({ type: t.type, timestamp, data: [...t.data] });

describe("FlvFeed", () => {
  it("passes a publish through unchanged, the FLV header first", () => {
    const feed = new FlvFeed(() => ({ audio: false, video: true }));
    const first = written(feed.push(media(avcHeader())));
    expect(first.header).toEqual({ audio: false, video: true });
    expect(first.tags).toEqual([same(avcHeader())]);
    for (const t of [keyframe(0), interframe(33), aacFrame(40)]) {
      const w = written(feed.push(media(t)));
      expect(w.header).toBeNull();
      expect(w.tags).toEqual([same(t)]);
    }
  });

  it("timestamps past 24 bits keep their extension byte", () => {
    const feed = new FlvFeed(() => null);
    const t = interframe(0x01_23_45_67);
    expect(written(feed.push(media(t))).tags).toEqual([same(t)]);
  });

  it("after restart(): drops media until a keyframe, then header and the latest sequence headers at its time", () => {
    const feed = new FlvFeed(() => BOTH);
    for (const t of [avcHeader(0, 1), aacHeader(0), keyframe(0), aacFrame(10), interframe(33)]) feed.push(media(t));
    feed.restart();
    expect(feed.awaitingKeyframe).toBe(true);
    expect(feed.push(media(aacFrame(50))).kind).toBe("drop");
    expect(feed.push(media(interframe(66))).kind).toBe("drop");
    // A new AVC configuration while waiting: kept, and it is what the new ffmpeg gets.
    expect(feed.push(media(avcHeader(70, 2))).kind).toBe("hold");
    expect(feed.push(media(aacFrame(80))).kind).toBe("drop");
    const resumed = written(feed.push(media(keyframe(2000))));
    expect(resumed.header).toEqual({ audio: true, video: true });
    expect(resumed.tags).toEqual([same(avcHeader(0, 2), 2000), same(aacHeader(0), 2000), same(keyframe(2000))]);
    expect(feed.awaitingKeyframe).toBe(false);
    expect(written(feed.push(media(aacFrame(2010)))).tags).toEqual([same(aacFrame(2010))]);
  });

  it("while blocked, even a keyframe is dropped; sequence headers are held for the resume", () => {
    const feed = new FlvFeed(() => BOTH);
    for (const t of [avcHeader(), aacHeader(), keyframe(0)]) feed.push(media(t));
    expect(feed.push(media(interframe(33)), true).kind).toBe("drop");
    expect(feed.awaitingKeyframe).toBe(true);
    expect(feed.push(media(keyframe(2000)), true).kind).toBe("drop");
    expect(feed.push(media(aacHeader(2010, 0x11)), true).kind).toBe("hold");
    expect(feed.push(media(interframe(2033))).kind).toBe("drop");
    // Same ffmpeg (no restart): no FLV header, only what changed while skipping.
    const resumed = written(feed.push(media(keyframe(4000))));
    expect(resumed.header).toBeNull();
    expect(resumed.tags).toEqual([same(aacHeader(0, 0x11), 4000), same(keyframe(4000))]);
  });

  it("a stream without video resumes at the next audio frame", () => {
    const feed = new FlvFeed(() => ({ audio: true, video: false }));
    for (const t of [aacHeader(), aacFrame(0), aacFrame(21)]) feed.push(media(t));
    feed.restart();
    const resumed = written(feed.push(media(aacFrame(500))));
    expect(resumed.header).toEqual({ audio: true, video: false });
    expect(resumed.tags).toEqual([same(aacHeader(), 500), same(aacFrame(500))]);
  });

  it("a restart before any header replays nothing it never saw", () => {
    const feed = new FlvFeed(() => null);
    feed.restart();
    expect(feed.push(media(interframe(0))).kind).toBe("drop");
    const resumed = written(feed.push(media(keyframe(40))));
    expect(resumed.header).toEqual({ audio: true, video: true });
    expect(resumed.tags).toEqual([same(keyframe(40))]);
  });
});
