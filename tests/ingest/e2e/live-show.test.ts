// One show from start to end against the real ingest: real ffmpeg publishers over RTMP, real HTTP,
// playlists read with m3u8-parser (as VHS reads them), media checked with ffprobe.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFragment, parseInit } from "../../../ingest/src/mp4/fmp4-reader.js";
import { liveChildCount } from "../../../ingest/src/media/child-registry.js";
import { msnFromClock } from "../../../ingest/src/streams/msn-seed.js";
import { track } from "../http/http-client.js";
import { ffprobeJson } from "../media/ffmpeg-fixtures.js";
import {
  getPlaylist,
  killPublishers,
  metricValue,
  msnOf,
  nextPart,
  parsePlaylist,
  publish,
  segmentMsns,
  startTestIngest,
  until,
  type Playlist,
  type Publisher,
  type TestIngest,
} from "./support.js";

const GRACE_S = 3;
let t: TestIngest;
let publisher: Publisher | null = null;
let msnBeforeStart: number;
/** Figures for the report (printed once, never asserted). */
const figures: Record<string, number | string> = {};

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const status = async () => JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text);
const metrics = async () => (await t.get("/metrics")).text;
/** A playlist just after a new segment started: the following keyframe is at least a second away. */
const freshSegment = async (): Promise<Playlist> =>
  until(
    "a fresh segment",
    async () => {
      const pl = await getPlaylist(t);
      return nextPart(pl).part <= 2 ? pl : undefined;
    },
    10_000,
    20,
  );
const completeSegments = async (n: number): Promise<Playlist> =>
  until(
    `${n} complete segments`,
    async () => {
      const p = await getPlaylist(t);
      return p.manifest.segments.length >= n ? p : undefined;
    },
    40_000,
    200,
  );

beforeAll(async () => {
  msnBeforeStart = msnFromClock(Date.now());
  t = await startTestIngest(["--grace-s", String(GRACE_S), "--window-segments", "10"]);
});

afterAll(async () => {
  killPublishers();
  await t?.close();
  console.info(`ingest e2e figures: ${JSON.stringify(figures)}`);
});

describe.sequential("a live show through the real ingest", () => {
  it("knows no stream before a publish: 404 for the playlist at once, offline status", async () => {
    const started = performance.now();
    const reply = await t.get(`/live/${t.stream}/index.m3u8`);
    expect(reply.status).toBe(404);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await status()).toMatchObject({ name: t.stream, state: "offline", live: false, startedAt: null });
  });

  it("a wrong key produces nothing: refused, no stream, no child process", async () => {
    const wrong = publish(t.rtmpUrl("live_this-is-not-the-key-of-any-stream"), 3);
    const result = await wrong.exited;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("invalid stream key");
    expect(t.ingest.registry.list()).toEqual([]);
    expect(liveChildCount()).toBe(0);
    expect(JSON.parse((await t.get("/live/status.json")).text)).toEqual({ streams: [] });
    expect(t.logs.join("\n")).not.toContain("live_this-is-not-the-key");
  });

  it("a playlist request right after the publish starts waits for the first part", async () => {
    const spawnedAt = performance.now();
    publisher = publish(t.rtmpUrl(t.key));
    // The registry creates the stream when the publish is accepted, before the first part is muxed.
    const view = await until("the stream to exist", () => t.ingest.registry.get(t.stream), 10_000, 5);
    const attachedAt = performance.now();
    expect(view.playlist({})).toBeNull();
    expect(view.status()).toMatchObject({ state: "offline", live: false });
    const reply = await t.get(`/live/${t.stream}/index.m3u8`);
    expect(reply.status).toBe(200);
    const first = parsePlaylist(reply.text);
    figures.publishToAttachMs = Math.round(attachedAt - spawnedAt);
    figures.attachToFirstPlaylistMs = Math.round(performance.now() - attachedAt);
    expect(first.manifest.preloadSegment?.parts?.length ?? first.manifest.segments.length).toBeGreaterThan(0);
    // msn comes from the clock (tenths of a second), so it is above anything an earlier run used.
    expect(first.manifest.mediaSequence).toBeGreaterThanOrEqual(msnBeforeStart);
    expect(first.manifest.mediaSequence).toBeLessThanOrEqual(msnFromClock(Date.now()));
    expect((await status()).state).toBe("live");
  });

  it("lists parts with INDEPENDENT exactly on keyframes, durations that add up, increasing dates", async () => {
    const p = await completeSegments(3);
    const m = p.manifest;
    expect(m.targetDuration).toBe(2);
    expect(m.serverControl).toMatchObject({ canBlockReload: true, canSkipUntil: 12 });
    const partTarget = m.partTargetDuration!;
    // What the muxer produces for 200 ms parts: 6 frames at 30 fps and the 10 AAC frames (48 kHz) their edges hold.
    expect(partTarget).toBe(0.214);
    expect(m.serverControl!.partHoldBack).toBeCloseTo(3 * partTarget, 3);
    const init = (await t.get(`/live/${t.stream}/${m.segments[0]!.map!.uri}`)).body;
    const info = parseInit(init);
    const video = info.tracks.find((tr) => tr.kind === "video")!;

    const withParts = m.segments.filter((s) => s.parts && s.parts.length > 0);
    expect(withParts.length).toBeGreaterThanOrEqual(2);
    const allParts = [...withParts.flatMap((s) => s.parts!), ...(m.preloadSegment?.parts ?? [])];
    for (const part of allParts) {
      expect(part.duration).toBeLessThanOrEqual(partTarget);
      const bytes = (await t.get(`/live/${t.stream}/${part.uri}`)).body;
      const firstVideo = parseFragment(bytes, info).tracks.find((tr) => tr.id === video.id)!;
      expect(Boolean(part.independent), part.uri).toBe(firstVideo.samples[0]!.isSync);
      expect(part.duration).toBeCloseTo(firstVideo.duration / video.timescale, 3);
    }
    figures.partDurationsS = [...new Set(allParts.map((x) => x.duration))].sort().join(" ");
    for (const seg of withParts) {
      expect(seg.parts![0]!.independent).toBe(true);
      expect(sum(seg.parts!.map((x) => x.duration))).toBeCloseTo(seg.duration, 2);
      expect(seg.duration).toBeCloseTo(2, 1);
    }
    for (let i = 1; i < m.segments.length; i++) {
      const prev = m.segments[i - 1]!;
      const dt = m.segments[i]!.programDateTime! - prev.programDateTime!;
      expect(dt).toBeCloseTo(prev.duration * 1000, -1);
    }
    // Wall-clock sanity: the newest media is less than a few seconds old.
    const last = m.segments.at(-1)!;
    expect(Date.now() - (last.programDateTime! + last.duration * 1000)).toBeLessThan(5_000);
  });

  it("holds a blocking reload until the part exists, and answers 400 far ahead", async () => {
    const p = await freshSegment();
    const next = nextPart(p);
    const wanted = `part-${next.msn + 1}-0.m4s`;
    const requestedAt = performance.now();
    const held = track(t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${next.msn + 1}&_HLS_part=0`));
    await new Promise((r) => setTimeout(r, 300));
    expect(held.settled()).toBe(false);
    expect((await getPlaylist(t)).text).not.toContain(wanted);
    const reply = await held.promise;
    figures.heldReloadMs = Math.round(performance.now() - requestedAt);
    expect(reply.status).toBe(200);
    expect(reply.headers["cache-control"]).toBe("public, max-age=1");
    const answered = parsePlaylist(reply.text);
    expect(answered.text).toContain(wanted);
    expect(answered.text).toContain(`seg-${next.msn}.m4s`);

    const now = nextPart(await getPlaylist(t));
    expect((await t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${now.msn + 2}`)).status).toBe(400);
    expect((await t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${now.msn}&_HLS_part=${now.part + 40}`)).status).toBe(400);
    // Long gone: answered at once with the current playlist.
    expect((await t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${msnBeforeStart - 5}&_HLS_part=0`)).status).toBe(200);
  });

  it("serves init + segments that ffprobe reads as H.264 640x360 + AAC", async () => {
    const p = await getPlaylist(t);
    const segments = await Promise.all(p.manifest.segments.map(async (s) => (await t.get(`/live/${t.stream}/${s.uri}`)).body));
    const init = (await t.get(`/live/${t.stream}/${p.manifest.segments[0]!.map!.uri}`)).body;
    const file = path.join(t.dir, "show.mp4");
    await writeFile(file, Buffer.concat([init, ...segments]));
    const probe = await ffprobeJson(["-show_entries", "stream=codec_name,width,height,sample_rate:format=duration", file]);
    const byCodec = Object.fromEntries(probe.streams.map((s: { codec_name: string }) => [s.codec_name, s]));
    expect(Object.keys(byCodec).sort()).toEqual(["aac", "h264"]);
    expect(byCodec.h264).toMatchObject({ width: 640, height: 360 });
    expect(byCodec.aac).toMatchObject({ sample_rate: "48000" });
    expect(Number(probe.format.duration)).toBeCloseTo(sum(p.manifest.segments.map((s) => s.duration)), 0);
  });

  it("reports status from the media and stream metrics", async () => {
    const s = await status();
    expect(s).toMatchObject({
      name: t.stream,
      state: "live",
      live: true,
      viewers: 0,
      video: { codec: expect.stringMatching(/^avc1\./), width: 640, height: 360 },
      audio: { codec: "mp4a.40.2", sampleRate: 48000, channels: expect.any(Number) },
      warnings: [],
      playlist: "index.m3u8",
    });
    expect(s.video.fps).toBeCloseTo(30, 0);
    expect(s.video.keyframeIntervalS).toBeCloseTo(2, 1);
    expect(s.video.bitrateKbps).toBeGreaterThan(0);
    expect(Date.parse(s.startedAt)).toBeLessThanOrEqual(Date.now());
    const text = await metrics();
    expect(metricValue(text, 'live_streams{state="live"}')).toBe(1);
    expect(metricValue(text, 'live_publishes_total{kind="new"}')).toBe(1);
    expect(metricValue(text, "live_rtmp_connections")).toBe(1);
    expect(metricValue(text, 'live_stream_live{stream="show"}')).toBe(1);
  });

  it("answers delta updates (_HLS_skip=YES) with EXT-X-SKIP", async () => {
    // CAN-SKIP-UNTIL is 12 s: skipping needs more than that listed behind the skipped segments.
    const full = await until(
      "enough media to skip",
      async () => {
        const pl = await getPlaylist(t);
        return sum(pl.manifest.segments.map((s) => s.duration)) >= 16 ? pl : undefined;
      },
      30_000,
      250,
    );
    const reply = await t.get(`/live/${t.stream}/index.m3u8?_HLS_skip=YES`);
    expect(reply.status).toBe(200);
    const delta = parsePlaylist(reply.text);
    expect(delta.text).toMatch(/^#EXT-X-SKIP:SKIPPED-SEGMENTS=\d+$/m);
    const skipped = delta.manifest.skip!.skippedSegments;
    expect(skipped).toBeGreaterThanOrEqual(1);
    expect(delta.manifest.mediaSequence).toBe(full.manifest.mediaSequence);
    // The delta lists what follows the skipped segments (the live edge may have moved on since).
    expect(msnOf(delta.manifest.segments.find((s) => s.uri)!.uri)).toBe(full.manifest.mediaSequence! + skipped);
  });

  it("continues the same playlist when the publisher reconnects", async () => {
    const before = await getPlaylist(t);
    const at = nextPart(before);
    const heldBeforeDrop = t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${at.msn}&_HLS_part=${at.part}`);
    await publisher!.kill();
    const dropped = await heldBeforeDrop;
    expect(dropped.status).toBe(200);
    await until("reconnecting", async () => (await status()).state === "reconnecting");

    // The performer is back within the grace period; a player waits for the next part meanwhile
    // (once the publisher's last part is in, the open segment is closed: the next part starts a segment).
    const gap = await until(
      "the last segment closed",
      async () => {
        const next = nextPart(await getPlaylist(t));
        return next.part === 0 ? next : undefined;
      },
      5_000,
      20,
    );
    const heldDuringGap = t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${gap.msn}&_HLS_part=${gap.part}`);
    const reconnectAt = performance.now();
    publisher = publish(t.rtmpUrl(t.key));
    const answered = await heldDuringGap;
    figures.reconnectToFirstPartMs = Math.round(performance.now() - reconnectAt);
    expect(answered.status).toBe(200);
    expect(answered.text).toContain(`part-${gap.msn}-${gap.part}.m4s`);

    const after = await until(
      "the first segment after the reconnect complete",
      async () => {
        const pl = await getPlaylist(t);
        return segmentMsns(pl).includes(gap.msn) ? pl : undefined;
      },
      15_000,
      200,
    );
    const msns = segmentMsns(after);
    expect(msns).toEqual(msns.map((_, i) => after.manifest.mediaSequence! + i));
    const resumed = after.manifest.segments.find((s) => msnOf(s.uri) === gap.msn)!;
    expect(resumed.discontinuity).toBe(true);
    expect(resumed.timeline).toBe(before.manifest.segments.at(-1)!.timeline + 1);
    expect((await status()).state).toBe("live");
    expect(metricValue(await metrics(), 'live_publishes_total{kind="reconnect"}')).toBe(1);
  });

  let lastMsn: number;

  it("ends the playlist (EXT-X-ENDLIST) after the grace period; held requests get it", async () => {
    const at = nextPart(await freshSegment());
    const held = t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${at.msn + 1}&_HLS_part=0`);
    await publisher!.kill();
    publisher = null;
    await until("reconnecting", async () => (await status()).state === "reconnecting");
    const reply = await held;
    expect(reply.status).toBe(200);
    const ended = parsePlaylist(reply.text);
    expect(ended.manifest.endList).toBe(true);
    expect(ended.manifest.preloadSegment).toBeUndefined();
    expect(await status()).toMatchObject({ state: "ended", live: false });
    expect((await getPlaylist(t)).manifest.endList).toBe(true);
    // Muxing is in-process: the ingest runs no child process for a show.
    expect(liveChildCount()).toBe(0);
    expect(metricValue(await metrics(), 'live_streams{state="ended"}')).toBe(1);
    lastMsn = Math.max(...segmentMsns(ended));
  });

  it("a new publish after the end starts a new playlist numbered above the old one", async () => {
    publisher = publish(t.rtmpUrl(t.key));
    const fresh = await until(
      "a new playlist",
      async () => {
        const pl = await getPlaylist(t);
        return pl.manifest.endList ? undefined : pl;
      },
      15_000,
      100,
    );
    expect(fresh.manifest.mediaSequence).toBeGreaterThan(lastMsn);
    expect(fresh.manifest.segments.some((s) => s.discontinuity)).toBe(false);
    expect(await status()).toMatchObject({ state: "live", live: true });
  });

  it("close(): held viewers get ENDLIST, no child process is left", async () => {
    await completeSegments(1);
    const at = nextPart(await freshSegment());
    const held = t.get(`/live/${t.stream}/index.m3u8?_HLS_msn=${at.msn + 1}&_HLS_part=0`);
    await new Promise((r) => setTimeout(r, 50));
    await t.ingest.close();
    const reply = await held;
    expect(reply.status).toBe(200);
    expect(parsePlaylist(reply.text).manifest.endList).toBe(true);
    expect(liveChildCount()).toBe(0);
    const result = await publisher!.exited;
    expect(result.code).not.toBe(0);
  });
});
