// The hub's seams without RTMP: a second ingest protocol (here an in-memory PublishSource fed with media
// events read from an FLV file) gets the one-publisher rule and packaging; a recorder subscribes to a
// stream's source rendition for closed segments.
import { EventEmitter } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SegmentClosed } from "../../../ingest/src/hls/packager-events.js";
import { mediaEventOf } from "../../../ingest/src/rtmp/flv-media.js";
import { SOURCE_RENDITION, type LiveStream } from "../../../ingest/src/streams/live-stream.js";
import type { MediaEvent } from "../../../ingest/src/streams/media.js";
import type { AnnouncedTracks, PublishSource, PublishSourceEvents } from "../../../ingest/src/streams/publish-source.js";
import { StreamRegistry } from "../../../ingest/src/streams/registry.js";
import { makeFlv } from "../media/ffmpeg-fixtures.js";
import { until } from "../e2e/support.js";

/** What an adapter for another protocol would hand the hub. */
class MemorySource extends EventEmitter<PublishSourceEvents> implements PublishSource {
  readonly remoteAddress = "192.0.2.1";
  readonly keyFingerprint = "00000000";
  readonly startedAt = performance.now();
  readonly announcedTracks: AnnouncedTracks = { audio: true, video: true };
  lastMediaAt = this.startedAt;
  closed = false;
  constructor(
    readonly stream: string,
    readonly id: string,
  ) {
    super();
  }
  deliver(event: MediaEvent): void {
    this.lastMediaAt = performance.now();
    this.emit("media", event);
  }
  close(reason = "closed by server"): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close", reason);
  }
}

/** The media events of an FLV file's tags (header, then tag header + body + PreviousTagSize). */
function flvMediaEvents(bytes: Buffer): MediaEvent[] {
  const events: MediaEvent[] = [];
  const types = { 8: "audio", 9: "video", 18: "script" } as const;
  for (let offset = 13; offset + 11 <= bytes.length; ) {
    const size = bytes.readUIntBE(offset + 1, 3);
    const timestamp = bytes.readUIntBE(offset + 4, 3) | (bytes[offset + 7]! << 24);
    const type = types[bytes[offset] as 8 | 9 | 18];
    const event = type ? mediaEventOf({ type, timestamp, data: bytes.subarray(offset + 11, offset + 11 + size) }) : null;
    if (event) events.push(event);
    offset += 11 + size + 4;
  }
  return events;
}

let dir: string;
let events: MediaEvent[];
let registry: StreamRegistry;
const logs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "hub-seams-"));
  events = flvMediaEvents(await readFile(await makeFlv(dir, "clip", { seconds: 5, gop: 30, size: "160x90" })));
  registry = new StreamRegistry({
    partMs: 200,
    windowSegments: 6,
    graceS: 60,
    takeoverMs: 200,
    logger: pino({ level: "info" }, { write: (line: string) => void logs.push(line) }),
    metricsRegistry: new Registry(),
  });
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the stream hub, fed by a source that is not RTMP", () => {
  it("packages its media into the source rendition, whose closed segments a recorder receives", async () => {
    const segments: SegmentClosed[] = [];
    const created: LiveStream[] = [];
    registry.on("stream", (stream) => {
      created.push(stream);
      stream.renditions.get(SOURCE_RENDITION)!.on("segment", (s) => segments.push(s));
    });
    const source = new MemorySource("memory", "m1");
    expect(await registry.claim(source)).toBe("accepted");
    expect(registry.publisherOf("memory")).toBe(source);
    for (const event of events) source.deliver(event);
    const stream = registry.get("memory")!;
    // A publisher that leaves before its first part leaves no stream behind: wait for the media.
    await until("the first part", () => stream.state === "live", 20_000, 20);
    source.close("finished");

    expect(created).toEqual([stream]);
    expect([...stream.renditions.keys()]).toEqual([SOURCE_RENDITION]);
    expect(stream.state).toBe("reconnecting");
    // ffmpeg flushes its last part and the open segment is closed: the whole 5 s clip ends up in closed segments.
    const total = () => segments.reduce((sum, s) => sum + s.duration, 0);
    await until("every segment closed", () => total() > 4.9, 20_000, 50);
    expect(total()).toBeLessThan(5.1);
    for (const s of segments) expect(s.bytes.equals(stream.getSegment(s.msn)!)).toBe(true);
    expect(segments[0]!.independent).toBe(true);
    expect(stream.renditions.get(SOURCE_RENDITION)!.playlist()).toBe(stream.playlist({}));
    expect(stream.status().video).toMatchObject({ codec: expect.stringMatching(/^avc1\./), width: 160, height: 90 });
  }, 30_000);

  it("applies the one-publisher rule to it: a silent publisher is taken over after takeoverMs", async () => {
    const first = new MemorySource("memory-2", "a");
    expect(await registry.claim(first)).toBe("accepted");
    const reason = new Promise<string>((resolve) => first.once("close", resolve));
    const second = new MemorySource("memory-2", "b");
    const started = performance.now();
    expect(await registry.claim(second)).toBe("accepted");
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(await reason).toBe("taken over by a new publisher");
    expect(registry.publisherOf("memory-2")).toBe(second);
    expect(logs.some((l) => l.includes("stale publisher taken over"))).toBe(true);

    // One that keeps sending is healthy: a newcomer is refused.
    const audio = events.find((e) => e.kind === "audio")!;
    second.deliver(audio);
    const feeding = setInterval(() => second.deliver(audio), 20);
    try {
      expect(await registry.claim(new MemorySource("memory-2", "c"))).toBe("already-publishing");
    } finally {
      clearInterval(feeding);
    }
    // A newcomer that leaves while its claim waits is withdrawn.
    const leaving = new MemorySource("memory-2", "d");
    setTimeout(() => leaving.close("gone"), 50);
    second.deliver(events.find((e) => e.kind === "audio")!);
    expect(await registry.claim(leaving)).toBe("withdrawn");
    expect(registry.publisherOf("memory-2")).toBe(second);
  });
});
