// What publishers really send, scripted exactly (tests/ingest/rtmp/helpers/scripted-publisher.ts) against
// the real ingest: the media timeline rules of the in-process muxer, end to end over RTMP and HTTP.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FlvTag } from "../../../ingest/src/rtmp/flv.js";
import { encodeFlv, ffmpegDecodeErrors } from "../mp4/flv-media.js";
import {
  ScriptedPublisher,
  aacSequenceHeaderTag,
  isAacSequenceHeader,
  readFlvTags,
  shiftTags,
} from "../rtmp/helpers/scripted-publisher.js";
import { getPlaylist, startTestIngest, until, type Playlist, type TestIngest } from "./support.js";

let dir: string;
/** 320x240 30 fps, keyframe every second, 48 kHz stereo. */
let small: FlvTag[];
/** 640x360 25 fps, keyframe every 2 s, 44.1 kHz. */
let large: FlvTag[];
let t: TestIngest;
let publisher: ScriptedPublisher | null = null;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "media-timeline-"));
  small = readFlvTags(await encodeFlv(dir, "small", { seconds: 6, gop: 30, bframes: 2 }));
  large = readFlvTags(await encodeFlv(dir, "large", { seconds: 6, gop: 50, fps: 25, size: "640x360", audioRate: 44100 }));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  publisher?.close();
  publisher = null;
  await t?.close();
});

const media = (tags: FlvTag[]) => tags.filter((x) => x.type !== "script");
const lastTimestamp = (tags: FlvTag[]) => Math.max(...tags.map((x) => x.timestamp));
const status = async () => JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text);

function timing(p: Playlist) {
  const partTarget = Number(/PART-TARGET=([\d.]+)/.exec(p.text)![1]);
  const holdBack = Number(/PART-HOLD-BACK=([\d.]+)/.exec(p.text)![1]);
  const parts = p.manifest.segments.flatMap((s) => s.parts ?? []).concat(p.manifest.preloadSegment?.parts ?? []);
  return { partTarget, holdBack, targetDuration: p.manifest.targetDuration!, parts };
}

/** Every complete segment of the playlist, each with its init, decoded by ffmpeg -v error: "" when all are clean. */
async function decodeEverySegment(p: Playlist): Promise<string> {
  const errors: string[] = [];
  for (const s of p.manifest.segments) {
    const init = await t.get(`/live/${t.stream}/${s.map!.uri}`);
    const seg = await t.get(`/live/${t.stream}/${s.uri}`);
    expect([init.status, seg.status]).toEqual([200, 200]);
    const out = await ffmpegDecodeErrors(dir, `${s.uri}.mp4`, Buffer.concat([init.body, seg.body]));
    if (out) errors.push(`${s.uri}: ${out}`);
  }
  return errors.join("\n");
}

/** Ends the publish and waits for its last segment to be complete (the playlist then holds everything). */
async function finish(): Promise<Playlist> {
  publisher!.close();
  publisher = null;
  await until("the publisher's last segment", () => t.view().status().state === "reconnecting", 10_000);
  return getPlaylist(t);
}

describe("media timeline, scripted publisher -> real ingest", () => {
  it("a new sequence header mid-stream (size, frame rate, sampling rate): new init, EXT-X-MAP + DISCONTINUITY at the keyframe, status shows it, every segment decodes", async () => {
    t = await startTestIngest(["--grace-s", "30", "--window-segments", "20"]);
    ({ publisher } = await ScriptedPublisher.publish(t.ingest.rtmpPort, t.key));
    const tags = [...small, ...shiftTags(large, 0, lastTimestamp(small) + 40)];
    await publisher.send(tags, { speed: 3 });
    const p = await finish();
    // Init ids are reserved like msns: the second init has another id, announced right after the discontinuity.
    const maps = [...p.text.matchAll(/#EXT-X-MAP:URI="(init-\d+\.mp4)"/g)].map((m) => m[1]);
    expect(new Set(maps).size).toBe(2);
    expect(p.text).toMatch(
      new RegExp(`#EXT-X-DISCONTINUITY\\n(#EXT-X-PROGRAM-DATE-TIME:.*\\n)?#EXT-X-MAP:URI="${maps[1]!.replace(".", "\\.")}"`),
    );
    const s = await status();
    expect(s.video).toMatchObject({ width: 640, height: 360 });
    expect(s.audio).toMatchObject({ sampleRate: 44100 });
    expect(await decodeEverySegment(p)).toBe("");
  });

  it.each([
    ["forward by an hour", 3_600_000],
    ["backward by 10 s", -10_000],
  ])(
    "timestamps jumping %s: a discontinuity, TARGETDURATION/PART-TARGET/PART-HOLD-BACK stay normal, nothing exceeds them",
    async (_name, jump) => {
      t = await startTestIngest(["--grace-s", "30", "--window-segments", "20"]);
      ({ publisher } = await ScriptedPublisher.publish(t.ingest.rtmpPort, t.key));
      // Keep the clock positive whichever way it jumps.
      const base = shiftTags(small, 0, 20_000);
      const at = base.findIndex((x) => x.type === "video" && x.timestamp > 22_500);
      await publisher.send(shiftTags(base, at, jump), { speed: 3 });
      const p = await finish();
      const { partTarget, holdBack, targetDuration, parts } = timing(p);
      expect(p.text.match(/#EXT-X-DISCONTINUITY\n/g)?.length).toBe(1);
      expect(targetDuration).toBe(1);
      expect(partTarget).toBe(0.214);
      expect(holdBack).toBeCloseTo(3 * partTarget, 3);
      for (const part of parts) expect(part.duration).toBeLessThanOrEqual(partTarget);
      for (const seg of p.manifest.segments) expect(Math.round(seg.duration)).toBeLessThanOrEqual(targetDuration);
      expect(await decodeEverySegment(p)).toBe("");
    },
  );

  it("media pipelined right after publish is held until the key check ends: nothing lost, the stream starts", async () => {
    t = await startTestIngest(["--grace-s", "30", "--window-segments", "20"]);
    const first = small.slice(
      0,
      small.findIndex((x) => x.type === "video" && x.timestamp >= 1000),
    );
    const pipelined = await ScriptedPublisher.publishPipelined(t.ingest.rtmpPort, t.key, first);
    publisher = pipelined.publisher;
    expect(pipelined.status.code).toBe("NetStream.Publish.Start");
    await publisher.send(small.slice(first.length), { speed: 3 });
    const p = await finish();
    const frames = media(small).filter((x) => x.type === "video" && x.data[1] === 1).length;
    const samples = await Promise.all(
      p.manifest.segments.map(async (s) => {
        const seg = (await t.get(`/live/${t.stream}/${s.uri}`)).body;
        return countVideoSamples(seg);
      }),
    );
    expect(samples.reduce((a, b) => a + b, 0)).toBe(frames);
    expect(await decodeEverySegment(p)).toBe("");
  });

  it("a bogus AudioSpecificConfig: a clear refusal (onStatus to the client, one log line, a warning in status.json), never a served stream", async () => {
    t = await startTestIngest(["--grace-s", "30"]);
    ({ publisher } = await ScriptedPublisher.publish(t.ingest.rtmpPort, t.key));
    // AAC Main (object type 1): parses, but no browser decodes it.
    const tags = small.map((x) => (isAacSequenceHeader(x) ? aacSequenceHeaderTag(Buffer.from("0990", "hex"), x.timestamp) : x));
    void publisher.send(tags.slice(0, 60), { speed: Number.POSITIVE_INFINITY });
    const refusal = await publisher.client.waitForCommand(
      (c) => c.name === "onStatus" && (c.values[3] as { level?: string }).level === "error",
      5_000,
    );
    expect(String((refusal.values[3] as { description: string }).description)).toMatch(/AAC audio object type 1/);
    await publisher.client.closed;
    const s = await status();
    expect(s.live).toBe(false);
    expect(s.warnings.map((w: { code: string }) => w.code)).toContain("codec-refused");
    expect(t.logs.filter((l) => l.includes("publish refused: codec configuration"))).toHaveLength(1);
    // Nothing of the refused publish was packaged.
    expect(t.ingest.registry.get(t.stream)?.hadMedia ?? false).toBe(false);
  });

  it("a publisher faster than real time: output keeps flowing, a warning in status.json, a bounded window", async () => {
    t = await startTestIngest(["--grace-s", "30", "--window-segments", "3"]);
    ({ publisher } = await ScriptedPublisher.publish(t.ingest.rtmpPort, t.key));
    const long = [...small, ...shiftTags(small, 0, lastTimestamp(small) + 33), ...shiftTags(small, 0, 2 * (lastTimestamp(small) + 33))];
    const sending = publisher.send(long, { speed: 6 });
    const warned = await until(
      "the faster-than-real-time warning",
      async () => {
        const s = await status();
        return s.warnings.some((w: { code: string }) => w.code === "faster-than-real-time") ? s : undefined;
      },
      10_000,
    );
    expect(warned.live).toBe(true);
    await sending;
    const p = await getPlaylist(t);
    // 18 s of media: the window keeps 3 complete segments (+ the open one); older ones are dropped from memory.
    expect(p.manifest.segments.length).toBeLessThanOrEqual(4);
    expect(timing(p).partTarget).toBe(0.214);
  });
});

/** Video samples (track 1) in a segment's fragments. */
function countVideoSamples(segment: Buffer): number {
  let n = 0;
  for (let at = 0; at + 8 <= segment.length; at += segment.readUInt32BE(at)) {
    if (segment.toString("latin1", at + 4, at + 8) !== "moof") continue;
    const moof = segment.subarray(at, at + segment.readUInt32BE(at));
    for (let i = moof.indexOf("tfhd"); i > 0; i = moof.indexOf("tfhd", i + 4)) {
      if (moof.readUInt32BE(i + 8) !== 1) continue;
      const trun = moof.indexOf("trun", i);
      n += moof.readUInt32BE(trun + 8);
    }
  }
  return n;
}
