// Renditions end to end: a real ffmpeg publisher (854x480) -> the real ingest with --renditions 360p,240p ->
// ffmpeg transcoders. Read as VHS reads them (m3u8-parser): the multivariant index.m3u8, each rendition's LL-HLS
// media playlist, segments and parts aligned across renditions, media checked with ffprobe; a transcoder killed
// by its PID is restarted while the source goes on, and so is one that stalls; without ffmpeg the source plays and
// the status says why.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { ffprobeJson } from "../media/ffmpeg-fixtures.js";
import {
  killPublishers,
  metricValue,
  msnOf,
  parsePlaylist,
  publish,
  processAlive,
  startTestIngest,
  until,
  type Playlist,
  type TestIngest,
} from "./support.js";

const RENDITIONS = ["360p", "240p"] as const;
const FRAME_S = 1 / 30;

/** A 854x480 30 fps publisher (2 s GOP): big enough for two renditions below it. */
const publish480 = (url: string, seconds: number) => publish(url, seconds, { size: "854x480", videoBitrate: "1500k" });

async function mediaPlaylist(t: TestIngest, rendition: string, query = ""): Promise<Playlist> {
  const reply = await t.get(`/live/${t.stream}/${rendition}/index.m3u8${query}`);
  if (reply.status !== 200) throw new Error(`${rendition} playlist: HTTP ${reply.status} ${reply.text}`);
  return parsePlaylist(reply.text);
}

const status = async (t: TestIngest) => JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text);
const renditionStatus = async (t: TestIngest, name: string) => (await status(t)).renditions.find((r: { name: string }) => r.name === name);

describe("a stream with renditions", () => {
  let t: TestIngest;

  beforeAll(async () => {
    t = await startTestIngest(["--renditions", RENDITIONS.join(","), "--max-transcodes", "4"]);
    publish480(t.rtmpUrl(), 120);
  }, 30_000);

  afterAll(async () => {
    killPublishers();
    await t?.close();
  });

  it("serves index.m3u8 as a multivariant playlist: source first, then each rendition by bandwidth", async () => {
    const master = await until(
      "three variants",
      async () => {
        const reply = await t.get(`/live/${t.stream}/index.m3u8`);
        const p = reply.status === 200 ? parsePlaylist(reply.text) : undefined;
        return p && (p.manifest.playlists?.length ?? 0) === 3 ? p : undefined;
      },
      40_000,
      200,
    );
    const variants = master.manifest.playlists!;
    expect(variants.map((v) => v.uri)).toEqual(["source/index.m3u8", "360p/index.m3u8", "240p/index.m3u8"]);
    expect(variants.map((v) => v.attributes.RESOLUTION)).toEqual([
      { width: 854, height: 480 },
      { width: 640, height: 360 },
      { width: 428, height: 240 },
    ]);
    for (const v of variants) {
      expect(v.attributes.BANDWIDTH).toBeGreaterThan(0);
      expect(Number(v.attributes["AVERAGE-BANDWIDTH"])).toBeGreaterThan(0);
      expect(v.attributes.CODECS).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      expect(v.attributes["FRAME-RATE"]).toBeCloseTo(30, 0);
    }
    const bandwidths = variants.map((v) => v.attributes.BANDWIDTH!);
    expect([...bandwidths].sort((a, b) => b - a)).toEqual(bandwidths);
  }, 60_000);

  it("lists every rendition in status.json with its state, size, bitrate and real-time flag", async () => {
    const s = await until(
      "renditions running",
      async () => {
        const s = await status(t);
        return s.renditions.every((r: { state: string }) => r.state === "source" || r.state === "running") ? s : undefined;
      },
      30_000,
      200,
    );
    expect(s.renditions.map((r: { name: string }) => r.name)).toEqual(["source", ...RENDITIONS]);
    expect(s.renditions[1]).toMatchObject({ state: "running", width: 640, height: 360, realTime: true, playlist: "360p/index.m3u8" });
    expect(s.renditions[2]).toMatchObject({ state: "running", width: 428, height: 240, realTime: true, playlist: "240p/index.m3u8" });
    expect(s.renditions[1].bitrateKbps).toBeGreaterThan(0);
  }, 40_000);

  it("aligns segments (same msn, same EXTINF and PROGRAM-DATE-TIME within a frame) and parts across renditions", async () => {
    const lists = await until(
      "4 common complete segments",
      async () => {
        const lists = await Promise.all(["source", ...RENDITIONS].map((r) => mediaPlaylist(t, r)));
        const common = lists.map((l) => new Set(l.manifest.segments.map((s) => msnOf(s.uri))));
        const shared = [...common[0]!].filter((m) => common.every((c) => c.has(m)));
        return shared.length >= 4 ? lists : undefined;
      },
      40_000,
      300,
    );
    const [source, ...others] = lists as [Playlist, ...Playlist[]];
    let compared = 0;
    for (const seg of source.manifest.segments) {
      const msn = msnOf(seg.uri);
      for (const other of others) {
        const o = other.manifest.segments.find((s) => msnOf(s.uri) === msn);
        if (!o) continue;
        compared++;
        expect(Math.abs(o.duration - seg.duration), `EXTINF of ${msn}`).toBeLessThan(FRAME_S);
        expect(Math.abs(o.programDateTime! - seg.programDateTime!), `PROGRAM-DATE-TIME of ${msn}`).toBeLessThan(FRAME_S * 1000);
        if (seg.parts && o.parts) {
          expect(o.parts.length, `parts of ${msn}`).toBe(seg.parts.length);
          o.parts.forEach((p, i) => expect(Math.abs(p.duration - seg.parts![i]!.duration)).toBeLessThan(FRAME_S));
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(6);
    for (const l of lists) {
      expect(l.manifest.partTargetDuration).toBeGreaterThan(0);
      expect(l.text).toContain("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES");
      expect(l.text).toContain("#EXT-X-PRELOAD-HINT:TYPE=PART");
    }
  }, 60_000);

  it("each rendition's parts trail the source's same parts by the transcoder's delay (measured, printed)", async () => {
    // In-process: when each part position first appears in each packager, polled every 5 ms for 6 s.
    const stream = t.ingest.registry.get(t.stream)!;
    const seen = new Map<string, Map<string, number>>(["source", ...RENDITIONS].map((r) => [r, new Map()]));
    const until6s = performance.now() + 6_000;
    while (performance.now() < until6s) {
      for (const [name, times] of seen) {
        const at = stream.rendition(name)!.position();
        const key = `${at.msn}-${at.part}`;
        if (!times.has(key)) times.set(key, performance.now());
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const source = seen.get("source")!;
    const delays: Record<string, number> = {};
    for (const name of RENDITIONS) {
      const lags = [...seen.get(name)!].flatMap(([key, at]) => (source.has(key) ? [at - source.get(key)!] : []));
      expect(lags.length, `${name}: parts named like the source's`).toBeGreaterThan(10);
      delays[`${name}MedianMs`] = Math.round([...lags].sort((a, b) => a - b)[Math.floor(lags.length / 2)]!);
    }
    console.info(`renditions e2e figures: parts trail the source's by ${JSON.stringify(delays)}`);
  }, 20_000);

  it("answers blocking reloads and delta updates of a rendition playlist", async () => {
    const now = await mediaPlaylist(t, "240p");
    const hint = now.manifest.preloadSegment?.preloadHints?.find((h) => h.type === "PART")?.uri;
    const m = /^part-(\d+)-(\d+)\.m4s$/.exec(hint ?? "");
    expect(m, now.text).not.toBeNull();
    const started = Date.now();
    const blocked = await mediaPlaylist(t, "240p", `?_HLS_msn=${m![1]}&_HLS_part=${m![2]}`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(blocked.text).toContain(`part-${m![1]}-${m![2]}.m4s`);
    const delta = await t.get(`/live/${t.stream}/240p/index.m3u8?_HLS_skip=YES`);
    expect(delta.status).toBe(200);
    expect(delta.headers["cache-control"]).toBe("public, max-age=1");
  }, 20_000);

  it("serves each rendition's init + segments as playable H.264 + AAC at its size (ffprobe)", async () => {
    for (const [rendition, height] of [
      ["360p", 360],
      ["240p", 240],
    ] as const) {
      const pl = await mediaPlaylist(t, rendition);
      const segs = pl.manifest.segments.slice(-2);
      const init = await t.get(`/live/${t.stream}/${rendition}/${segs[0]!.map!.uri}`);
      expect(init.status).toBe(200);
      expect(init.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      const bodies = await Promise.all(segs.map((s) => t.get(`/live/${t.stream}/${rendition}/${s.uri}`)));
      for (const b of bodies) expect(b.status).toBe(200);
      const file = path.join(t.dir, `${rendition}.mp4`);
      await writeFile(file, Buffer.concat([init.body, ...bodies.map((b) => b.body)]));
      const probe = await ffprobeJson(["-show_streams", "-count_frames", file]);
      const video = probe.streams.find((s: { codec_type: string }) => s.codec_type === "video");
      const audio = probe.streams.find((s: { codec_type: string }) => s.codec_type === "audio");
      expect(video).toMatchObject({ codec_name: "h264", height });
      expect(audio).toMatchObject({ codec_name: "aac" });
      expect(Number(video.nb_read_frames)).toBeGreaterThan(30);
    }
  }, 30_000);

  it("restarts a transcoder killed by its PID while the source plays on", async () => {
    const stream = t.ingest.registry.get(t.stream)!;
    const transcoding = t.ingest.transcoding.of(stream)!;
    const pid = transcoding.pidOf("240p")!;
    expect(processAlive(pid)).toBe(true);
    const before = (await mediaPlaylist(t, "source")).manifest;
    process.kill(pid, "SIGKILL");
    const restarting = await until("240p restarting", async () => {
      const r = await renditionStatus(t, "240p");
      return r.state === "restarting" ? r : undefined;
    });
    expect(restarting.reason).toMatch(/SIGKILL/);
    await until(
      "240p running again",
      async () => (await renditionStatus(t, "240p")).state === "running" && transcoding.pidOf("240p") !== pid,
      30_000,
      200,
    );
    const after = (await mediaPlaylist(t, "source")).manifest;
    // The source went on without a break: more segments, no discontinuity.
    expect(after.mediaSequence! + after.segments.length).toBeGreaterThan(before.mediaSequence! + before.segments.length);
    expect(after.segments.some((s) => s.discontinuity)).toBe(false);
    expect(t.logs.some((l) => l.includes("transcoder failed; restarting"))).toBe(true);
    const metrics = (await t.get("/metrics")).text;
    expect(metricValue(metrics, 'live_transcoder_failures_total{reason="exit"}')).toBe(1);
    expect(metricValue(metrics, 'live_renditions{state="running"}')).toBe(2);
    // The restarted rendition lists aligned segments again.
    await until("240p segments after the restart", async () => (await mediaPlaylist(t, "240p")).manifest.segments.length >= 1, 20_000, 300);
  }, 60_000);

  it("applies `keys renditions` to the running show within seconds: a rendition removed, then added back", async () => {
    const stream = t.ingest.registry.get(t.stream)!;
    const transcoding = t.ingest.transcoding.of(stream)!;
    const pid = transcoding.pidOf("240p")!;
    const store = new KeyStore({ file: path.join(t.dir, "keys.json") });
    expect(await store.setRenditions(t.stream, ["360p"])).toBe(true);
    await until("240p gone", async () => (await status(t)).renditions.length === 2, 5_000, 100);
    await until("its transcoder ended", () => !processAlive(pid), 5_000);
    const master = parsePlaylist((await t.get(`/live/${t.stream}/index.m3u8`)).text);
    expect(master.manifest.playlists!.map((v) => v.uri)).toEqual(["source/index.m3u8", "360p/index.m3u8"]);
    expect(await store.setRenditions(t.stream, null)).toBe(true);
    await until("240p running again", async () => (await renditionStatus(t, "240p"))?.state === "running", 30_000, 200);
  }, 60_000);

  it("keeps the source's own URLs: /live/<stream>/seg-<msn>.m4s is the source segment", async () => {
    const source = await mediaPlaylist(t, "source");
    const seg = source.manifest.segments.at(-1)!;
    const [a, b] = await Promise.all([t.get(`/live/${t.stream}/${seg.uri}`), t.get(`/live/${t.stream}/source/${seg.uri}`)]);
    expect(a.status).toBe(200);
    expect(Buffer.compare(a.body, b.body)).toBe(0);
    expect((await t.get(`/live/${t.stream}/720p/index.m3u8`)).status).toBe(404);
  }, 10_000);

  it("plans the renditions again when the publisher comes back with another picture size", async () => {
    killPublishers();
    await until("reconnecting", async () => (await status(t)).state === "reconnecting", 15_000, 100);
    publish(t.rtmpUrl(), 60, { size: "640x480", videoBitrate: "1200k" });
    await until(
      "360p at 4:3",
      async () => {
        const r = await renditionStatus(t, "360p");
        return r?.state === "running" && r.width === 480 && r.height === 360;
      },
      40_000,
      200,
    );
    const master = await until(
      "the multivariant at 4:3",
      async () => {
        const p = parsePlaylist((await t.get(`/live/${t.stream}/index.m3u8`)).text);
        return p.manifest.playlists?.find((v) => v.uri === "360p/index.m3u8")?.attributes.RESOLUTION?.width === 480 ? p : undefined;
      },
      20_000,
      200,
    );
    expect(master.manifest.playlists!.map((v) => v.attributes.RESOLUTION)).toEqual([
      { width: 640, height: 480 },
      { width: 480, height: 360 },
      { width: 320, height: 240 },
    ]);
    await until("a 360p segment after the change", async () => (await mediaPlaylist(t, "360p")).manifest.segments.length > 0, 20_000, 300);
    expect(t.logs.some((l) => l.includes("source size changed; renditions planned again"))).toBe(true);
  }, 90_000);
});

describe("renditions without ffmpeg", () => {
  let t: TestIngest;

  beforeAll(async () => {
    // The ingest looks ffmpeg up at start (--renditions is set): hide it for that moment only.
    const { PATH, FFMPEG_PATH } = process.env;
    process.env.PATH = "/nonexistent";
    delete process.env.FFMPEG_PATH;
    try {
      t = await startTestIngest(["--renditions", "240p"]);
    } finally {
      process.env.PATH = PATH;
      if (FFMPEG_PATH !== undefined) process.env.FFMPEG_PATH = FFMPEG_PATH;
    }
    publish480(t.rtmpUrl(), 60);
  }, 30_000);

  afterAll(async () => {
    killPublishers();
    await t?.close();
  });

  it("warns once at start, drops the rendition with a status warning, and the source plays", async () => {
    // One warning line about it, at start; the status says the rest.
    const warnings = t.logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40 && l.includes("ffmpeg"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("no ffmpeg was found");
    const s = await until(
      "source live",
      async () => {
        const s = await status(t);
        return s.state === "live" && s.renditions.length === 2 ? s : undefined;
      },
      30_000,
      200,
    );
    expect(s.renditions[1]).toMatchObject({ name: "240p", state: "dropped" });
    expect(s.renditions[1].reason).toMatch(/no ffmpeg/i);
    expect(s.warnings.map((w: { code: string }) => w.code)).toContain("rendition-dropped");
    const master = parsePlaylist((await t.get(`/live/${t.stream}/index.m3u8`)).text);
    expect(master.manifest.playlists!.map((v) => v.uri)).toEqual(["source/index.m3u8"]);
    const source = await mediaPlaylist(t, "source");
    expect(source.manifest.partTargetDuration).toBeGreaterThan(0);
  }, 40_000);
});

describe("a transcoder that stops keeping up", () => {
  let t: TestIngest;

  beforeAll(async () => {
    // FFMPEG_PATH names a stand-in that answers -version like ffmpeg but then reads nothing and writes nothing:
    // a transcoder that stalled (an overloaded machine looks the same from the ingest).
    const dir = await mkdtemp(path.join(tmpdir(), "stalled-ffmpeg-"));
    const stalled = path.join(dir, "ffmpeg");
    await writeFile(stalled, '#!/bin/sh\nif [ "$1" = "-version" ]; then exec ffmpeg -version; fi\nexec sleep 600\n', { mode: 0o755 });
    const { FFMPEG_PATH } = process.env;
    process.env.FFMPEG_PATH = stalled;
    try {
      t = await startTestIngest(["--renditions", "240p"]);
    } finally {
      if (FFMPEG_PATH === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = FFMPEG_PATH;
    }
    publish480(t.rtmpUrl(), 60);
  }, 30_000);

  afterAll(async () => {
    killPublishers();
    await t?.close();
  });

  it("is restarted as falling behind real time, while the source plays on", async () => {
    const stream = await until("the stream", () => t.ingest.registry.get(t.stream), 30_000, 100);
    const first = await until("a transcoder", () => t.ingest.transcoding.of(stream)?.pidOf("240p"), 30_000, 100);
    const restarting = await until(
      "240p restarting",
      async () => {
        const r = await renditionStatus(t, "240p");
        return r?.state === "restarting" ? r : undefined;
      },
      20_000,
      200,
    );
    expect(restarting.reason).toMatch(/fell behind real time/);
    expect(metricValue((await t.get("/metrics")).text, 'live_transcoder_failures_total{reason="behind"}')).toBeGreaterThanOrEqual(1);
    await until("the stalled child ended", () => !processAlive(first), 5_000);
    const s = await status(t);
    expect(s.state).toBe("live");
    expect((await mediaPlaylist(t, "source")).manifest.segments.length).toBeGreaterThan(0);
    const master = parsePlaylist((await t.get(`/live/${t.stream}/index.m3u8`)).text);
    expect(master.manifest.playlists!.map((v) => v.uri)).toEqual(["source/index.m3u8"]);
  }, 40_000);
});
