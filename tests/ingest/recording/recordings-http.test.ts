import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpServer } from "../../../ingest/src/http/server.js";
import { Recorder } from "../../../ingest/src/recording/recorder.js";
import { RecordingLibrary } from "../../../ingest/src/recording/recording-library.js";
import { RecordingStore } from "../../../ingest/src/recording/recording-store.js";
import { RecordingSwitches } from "../../../ingest/src/recording/recording-switches.js";
import { parseM3u8 } from "../hls/parse-m3u8.js";
import { request } from "../http/http-client.js";
import { ffprobeJson } from "../media/ffmpeg-fixtures.js";
import { realShow, type RealShow } from "./support.js";

const logger = pino({ level: "silent" });
let dir: string;
let show: RealShow;
let server: HttpServer;
let noFfmpeg: HttpServer;
let port: number;
let ended: string;
let live: string;
let recorder: Recorder;

beforeAll(async () => {
  show = await realShow(8);
  dir = await mkdtemp(path.join(tmpdir(), "recordings-http-"));
  const store = new RecordingStore(path.join(dir, "recordings"));
  recorder = new Recorder({
    store,
    switches: new RecordingSwitches(store.root),
    retention: { maxAgeMs: 0, maxBytes: 0 },
    minFreeBytes: 0,
    logger,
    metricsRegistry: new Registry(),
  });
  await recorder.start();
  const first = recorder.show("show");
  first.segment(show.segments[0]!);
  first.segment({ ...show.segments[1]!, discontinuity: true });
  for (const seg of show.segments.slice(2)) first.segment(seg);
  await first.end();
  const second = recorder.show("show");
  second.segment({ ...show.segments[0]!, programDateTime: show.segments[0]!.programDateTime + 3_600_000 });
  await second.idle();
  [live, ended] = (await store.list("show")).map((r) => r.id) as [string, string];
  // Just created, no segment written yet: not listed (its playlist would have nothing to play).
  await (await store.create("show", Date.UTC(2026, 11, 3, 22, 0, 0))).close();
  const directory = { get: () => undefined, list: () => [] };
  const options = { host: "127.0.0.1", port: 0, allowOrigin: "https://forum.example", logger, directory };
  server = new HttpServer({ ...options, recordings: new RecordingLibrary({ store, recorder, logger }) });
  port = await server.start();
  noFfmpeg = new HttpServer({ ...options, recordings: new RecordingLibrary({ store, logger, findFfmpeg: async () => null }) });
  await noFfmpeg.start();
}, 90_000);

afterAll(async () => {
  await server?.close();
  await noFfmpeg?.close();
  await recorder?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("recordings over HTTP", () => {
  it("lists recordings newest first with relative URLs; the one in progress is live without endedAt or download; none without a segment", async () => {
    const reply = await request(port, "/live/show/recordings.json");
    expect(reply.status).toBe(200);
    expect(reply.headers["access-control-allow-origin"]).toBe("https://forum.example");
    expect(reply.headers["cache-control"]).toBe("public, max-age=1");
    const { recordings } = JSON.parse(reply.text) as { recordings: Array<Record<string, unknown>> };
    expect(recordings.map((r) => r.id)).toEqual([live, ended]);
    expect(recordings[0]).toEqual({
      id: live,
      startedAt: "2026-12-03T21:00:00.000Z",
      live: true,
      durationS: expect.any(Number),
      bytes: expect.any(Number),
      playlist: `recordings/${live}/index.m3u8`,
    });
    const total = show.segments.reduce((sum, s) => sum + s.durationS, 0);
    expect(recordings[1]).toMatchObject({
      id: ended,
      startedAt: "2026-12-03T20:00:00.000Z",
      durationS: expect.closeTo(total, 2) as number,
      playlist: `recordings/${ended}/index.m3u8`,
      download: `recordings/${ended}/recording.mp4`,
    });
    expect(recordings[1]!.endedAt).toBe(new Date(Date.parse("2026-12-03T20:00:00.000Z") + Math.round(total * 1000)).toISOString());
    expect(JSON.parse((await request(port, "/live/other/recordings.json")).text)).toEqual({ recordings: [] });
  });

  it("serves an ended recording as a VOD playlist and the one in progress as EVENT", async () => {
    const vod = await request(port, `/live/show/recordings/${ended}/index.m3u8`);
    expect(vod.status).toBe(200);
    expect(vod.headers["content-type"]).toBe("application/vnd.apple.mpegurl");
    expect(vod.headers["cache-control"]).toBe("public, max-age=300");
    const { manifest } = parseM3u8(vod.text);
    expect(vod.text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(manifest.endList).toBe(true);
    expect(manifest.segments.map((s) => Boolean(s.discontinuity))).toEqual(show.segments.map((_, i) => i === 1));
    expect(manifest.segments.reduce((sum, s) => sum + s.duration, 0)).toBeCloseTo(
      show.segments.reduce((sum, s) => sum + s.durationS, 0),
      3,
    );
    const event = await request(port, `/live/show/recordings/${live}/index.m3u8`);
    expect(event.text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(event.text).not.toContain("#EXT-X-ENDLIST");
    expect(event.headers["cache-control"]).toBe("public, max-age=1");
  });

  it("serves media immutable, with Range and HEAD", async () => {
    const whole = await request(port, `/live/show/recordings/${ended}/seg-0.m4s`);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(show.segments[0]!.bytes)).toBe(true);
    expect(whole.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(whole.headers["accept-ranges"]).toBe("bytes");
    const part = await request(port, `/live/show/recordings/${ended}/seg-0.m4s`, { headers: { Range: "bytes=10-19" } });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 10-19/${whole.body.length}`);
    expect(part.body.equals(whole.body.subarray(10, 20))).toBe(true);
    const beyond = await request(port, `/live/show/recordings/${ended}/seg-0.m4s`, {
      headers: { Range: `bytes=${whole.body.length + 5}-` },
    });
    expect(beyond.status).toBe(416);
    const head = await request(port, `/live/show/recordings/${ended}/init-0.mp4`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers["content-length"])).toBe(show.init.length);
    expect(head.body.length).toBe(0);
  });

  it("answers 404 for unknown ids, unindexed files and anything that is not a recording's name", async () => {
    const recordingDir = path.join(dir, "recordings", "show", ended);
    await writeFile(path.join(recordingDir, "seg-99.m4s"), "not indexed");
    await writeFile(path.join(dir, "recordings", "secret.txt"), "secret");
    const paths = [
      "/live/show/recordings/20990101-000000/index.m3u8",
      `/live/show/recordings/${ended}/seg-99.m4s`,
      `/live/show/recordings/${ended}/seg-999.m4s`,
      `/live/show/recordings/${ended}/part-0-0.m4s`,
      `/live/show/recordings/${ended}/recording.json`,
      `/live/show/recordings/${ended}/index.jsonl`,
      `/live/show/recordings/${ended}/../../secret.txt`,
      `/live/show/recordings/${ended}/..%2f..%2fsecret.txt`,
      "/live/show/recordings/../secret.txt/index.m3u8",
      "/live/show/recordings/%2e%2e/index.m3u8",
      `/live/..%2f/recordings/${ended}/index.m3u8`,
      `/live/show/recordings/${ended}-0/index.m3u8`,
      `/live/show/recordings/${ended}/`,
      "/live/show/recordings/",
      "/live/show/recordings",
      `/live/Show/recordings/${ended}/index.m3u8`,
      `/live/other/recordings/${ended}/index.m3u8`,
    ];
    for (const p of paths) expect((await request(port, p)).status, p).toBe(404);
    await rm(path.join(recordingDir, "seg-99.m4s"));
  });

  it("makes the MP4 download once with ffmpeg (faststart, both tracks, the show's length) and keeps it", async () => {
    const first = await request(port, `/live/show/recordings/${ended}/recording.mp4`);
    expect(first.status).toBe(200);
    expect(first.headers["content-disposition"]).toBe(`attachment; filename="show-${ended}.mp4"`);
    const file = path.join(dir, "download.mp4");
    await writeFile(file, first.body);
    const probe = await ffprobeJson(["-show_format", "-show_streams", file]);
    expect(probe.streams.map((s: { codec_type: string }) => s.codec_type).sort()).toEqual(["audio", "video"]);
    const total = show.segments.reduce((sum, s) => sum + s.durationS, 0);
    expect(Math.abs(Number(probe.format.duration) - total)).toBeLessThan(0.5);
    // +faststart: the moov box comes before mdat.
    expect(first.body.indexOf("moov")).toBeLessThan(first.body.indexOf("mdat"));
    const files = await readdir(path.join(dir, "recordings", "show", ended));
    expect(files.filter((f) => f.endsWith(".mp4") && !f.startsWith("init-"))).toEqual(["recording.mp4"]);
    const again = await request(port, `/live/show/recordings/${ended}/recording.mp4`, { headers: { Range: "bytes=0-99" } });
    expect(again.status).toBe(206);
    expect(again.body.equals(first.body.subarray(0, 100))).toBe(true);
  }, 60_000);

  it("refuses a download of the show in progress (409) and says so when ffmpeg is missing (503)", async () => {
    expect((await request(port, `/live/show/recordings/${live}/recording.mp4`)).status).toBe(409);
    await rm(path.join(dir, "recordings", "show", ended, "recording.mp4"));
    const reply = await request(noFfmpeg.address!.port, `/live/show/recordings/${ended}/recording.mp4`);
    expect(reply.status).toBe(503);
    expect(reply.text).toContain("need ffmpeg");
    // The replay itself needs no ffmpeg.
    expect((await request(noFfmpeg.address!.port, `/live/show/recordings/${ended}/index.m3u8`)).status).toBe(200);
  });
});
