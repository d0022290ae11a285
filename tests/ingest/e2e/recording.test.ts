// Every show recorded, end to end: real ffmpeg publishers -> the real ingest -> the recording on disk,
// read back over HTTP the way a player and a downloader do.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { parseM3u8 } from "../hls/parse-m3u8.js";
import { request } from "../http/http-client.js";
import { ffprobeJson } from "../media/ffmpeg-fixtures.js";
import { getPlaylist, killPublishers, metricValue, publish, startTestIngest, until, type TestIngest } from "./support.js";

interface RecordingJson {
  id: string;
  startedAt: string;
  endedAt?: string;
  live?: true;
  durationS: number;
  bytes: number;
  playlist: string;
  download?: string;
}

let ingest: TestIngest | null = null;
afterEach(async () => {
  killPublishers();
  await ingest?.close();
  ingest = null;
});

async function recordings(get: (p: string) => Promise<{ status: number; text: string }>, stream = "show"): Promise<RecordingJson[]> {
  const reply = await get(`/live/${stream}/recordings.json`);
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.text) as { recordings: RecordingJson[] }).recordings;
}

/** The VOD playlist of a recording, read with m3u8-parser; every segment it names is fetched and counted. */
async function vod(get: (p: string) => Promise<{ status: number; text: string; body: Buffer }>, recording: RecordingJson) {
  const base = `/live/show/${path.posix.dirname(recording.playlist)}/`;
  const reply = await get(`/live/show/${recording.playlist}`);
  expect(reply.status).toBe(200);
  const { manifest, warnings } = parseM3u8(reply.text);
  expect(warnings).toEqual([]);
  let bytes = 0;
  const uris = new Set<string>();
  for (const segment of manifest.segments) {
    uris.add(segment.map!.uri);
    uris.add(segment.uri);
  }
  for (const uri of uris) {
    const media = await get(`${base}${uri}`);
    expect(media.status, uri).toBe(200);
    bytes += media.body.length;
  }
  return { text: reply.text, manifest, bytes, durationS: manifest.segments.reduce((sum, s) => sum + s.duration, 0) };
}

describe("recording a show", () => {
  it("records a show as it is published: listed live, then a VOD playlist of the show's length and a playable MP4 download", async () => {
    ingest = await startTestIngest(["--grace-s", "1"]);
    const t = ingest;
    const publisher = publish(t.rtmpUrl(), 8);
    // until() stops at any value but undefined and false: a boolean, so a duration of 0 does not count.
    await until("a recorded segment", async () => ((await recordings(t.get))[0]?.durationS ?? 0) > 0, 20_000);
    const during = await recordings(t.get);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({ live: true, playlist: `recordings/${during[0]!.id}/index.m3u8` });
    expect(during[0]!.endedAt).toBeUndefined();
    expect(during[0]!.download).toBeUndefined();
    const event = await t.get(`/live/show/${during[0]!.playlist}`);
    expect(event.status, event.text).toBe(200);
    expect(event.text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");

    expect((await publisher.exited).code).toBe(0);
    await until("the show ended", async () => (await recordings(t.get))[0]?.endedAt, 15_000);
    const [recording] = await recordings(t.get);
    const played = await vod(t.get, recording!);
    expect(played.text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(played.manifest.endList).toBe(true);
    expect(played.manifest.segments.every((s) => typeof s.programDateTime === "number")).toBe(true);
    expect(Math.abs(played.durationS - 8)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(recording!.durationS - played.durationS)).toBeLessThan(0.01);
    expect(played.bytes).toBe(recording!.bytes);
    // The recording ends where its media ends, not when the grace period ran out.
    expect(Date.parse(recording!.endedAt!) - Date.parse(recording!.startedAt)).toBeCloseTo(recording!.durationS * 1000, -2);

    const download = await t.get(`/live/show/${recording!.download}`);
    expect(download.status).toBe(200);
    const file = path.join(t.dir, "download.mp4");
    await writeFile(file, download.body);
    const probe = await ffprobeJson(["-show_format", "-show_streams", file]);
    expect(probe.streams.map((s: { codec_type: string }) => s.codec_type).sort()).toEqual(["audio", "video"]);
    expect(Math.abs(Number(probe.format.duration) - 8)).toBeLessThanOrEqual(0.5);
    const metrics = (await t.get("/metrics")).text;
    expect(metricValue(metrics, "live_recordings")).toBe(1);
    expect(metricValue(metrics, "live_recordings_bytes")).toBe(recording!.bytes);
    expect(metricValue(metrics, "live_recordings_free_bytes")).toBeGreaterThan(0);
  }, 60_000);

  it("a reconnect within the grace period stays one recording, with a discontinuity where the link dropped", async () => {
    // A grace period well above an ffmpeg start on a loaded machine: the second publish must land within it.
    ingest = await startTestIngest(["--grace-s", "10"]);
    const t = ingest;
    expect((await publish(t.rtmpUrl(), 4).exited).code).toBe(0);
    expect((await publish(t.rtmpUrl(), 4).exited).code).toBe(0);
    await until("the show ended", async () => (await recordings(t.get))[0]?.endedAt, 20_000);
    const list = await recordings(t.get);
    expect(list).toHaveLength(1);
    const played = await vod(t.get, list[0]!);
    expect(played.manifest.segments.filter((s) => s.discontinuity)).toHaveLength(1);
    expect(Math.abs(played.durationS - 8)).toBeLessThanOrEqual(0.5);
    // A publish after the grace period is a new show: a second recording, newest first.
    expect((await publish(t.rtmpUrl(), 2).exited).code).toBe(0);
    await until(
      "the second show ended",
      async () => {
        const now = await recordings(t.get);
        return now.length === 2 && now[0]!.endedAt;
      },
      20_000,
    );
    const [newest, oldest] = await recordings(t.get);
    expect(oldest!.id).toBe(list[0]!.id);
    expect(newest!.startedAt > oldest!.startedAt).toBe(true);
  }, 60_000);

  it("below the free-space floor recording pauses with a warning while live viewers get every part", async () => {
    // A floor far above any real disk: the live show goes on, nothing is recorded.
    ingest = await startTestIngest(["--recordings-min-free-mb", "1000000000"]);
    const t = ingest;
    publish(t.rtmpUrl(), 10);
    await until(
      "live",
      async () => (JSON.parse((await t.get("/live/show/status.json")).text) as { state: string }).state === "live",
      20_000,
    );
    const warning = await until(
      "the recording warning",
      async () =>
        (JSON.parse((await t.get("/live/show/status.json")).text) as { warnings: Array<{ code: string; message: string }> }).warnings.find(
          (w) => w.code === "recording-paused",
        ),
      15_000,
    );
    expect(warning.message).toMatch(/Recording paused: .* below the 1000000000 MB floor\. The live show is not affected\./);
    // A viewer: every segment the playlist lists is served.
    const playlist = await getPlaylist(t);
    for (const segment of playlist.manifest.segments) expect((await t.get(`/live/show/${segment.uri}`)).status).toBe(200);
    expect(await recordings(t.get)).toEqual([]);
    const metrics = (await t.get("/metrics")).text;
    expect(metricValue(metrics, "live_recordings_paused")).toBe(1);
    expect(metricValue(metrics, 'live_recording_errors_total{reason="low-space"}')).toBeGreaterThan(0);
    expect(t.logs.filter((l) => l.includes('"code":"recording-paused"'))).toHaveLength(1);
  }, 60_000);

  it("recording off for the whole ingest: nothing recorded, the show unaffected", async () => {
    ingest = await startTestIngest(["--recordings", "off", "--grace-s", "1"]);
    const t = ingest;
    expect((await publish(t.rtmpUrl(), 3).exited).code).toBe(0);
    await until(
      "ended",
      async () => (JSON.parse((await t.get("/live/show/status.json")).text) as { state: string }).state === "ended",
      15_000,
    );
    expect(await recordings(t.get)).toEqual([]);
  }, 30_000);
});

describe("kill -9 mid-show", () => {
  const root = path.resolve(import.meta.dirname, "../../..");
  const main = path.join(root, "ingest/src/main.ts");
  let dir: string | null = null;
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The CLI as its own node process (no tsx wrapper: SIGKILL must hit the ingest itself). */
  async function startCli(dataDir: string): Promise<{ child: ChildProcess; httpPort: number; rtmpPort: number }> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LIVE_")));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "--rtmp-port", "0", "--http-port", "0", "--host", "127.0.0.1", "--data-dir", dataDir],
      {
        cwd: root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    const lines: Array<Record<string, unknown>> = [];
    let buffered = "";
    child.stdout!.on("data", (d: Buffer) => {
      buffered += d.toString();
      const complete = buffered.split("\n");
      buffered = complete.pop()!;
      for (const line of complete) if (line.startsWith("{")) lines.push(JSON.parse(line));
    });
    child.stderr!.resume();
    const logged = (msg: string) => lines.find((l) => l.msg === msg);
    const httpPort = (await until("http listening", () => logged("http listening"), 20_000)).port as number;
    const rtmpPort = (await until("RTMP listening", () => logged("RTMP server listening"), 5_000)).port as number;
    return { child, httpPort, rtmpPort };
  }

  it("after kill -9 and a restart the recording is listed, ended where its media ends, and plays", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "recording-kill-"));
    const { key } = await new KeyStore({ file: path.join(dir, "keys.json") }).add("show");
    const first = await startCli(dir);
    const get = (p: string) => request(first.httpPort, p);
    publish(`rtmp://127.0.0.1:${first.rtmpPort}/live/${key}`, 60);
    await until("6 s recorded", async () => ((await recordings(get))[0]?.durationS ?? 0) >= 6, 30_000);
    const before = (await recordings(get))[0]!;
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("close", resolve));
    killPublishers();

    const second = await startCli(dir);
    const after = await recordings((p) => request(second.httpPort, p));
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before.id);
    expect(after[0]!.live).toBeUndefined();
    expect(after[0]!.endedAt).toBeDefined();
    // At most the segment being written when the process died is lost.
    expect(after[0]!.durationS).toBeGreaterThanOrEqual(before.durationS);
    const played = await vod((p) => request(second.httpPort, p), after[0]!);
    expect(played.manifest.endList).toBe(true);
    expect(Math.abs(played.durationS - after[0]!.durationS)).toBeLessThan(0.01);
    const download = await request(second.httpPort, `/live/show/${after[0]!.download}`);
    expect(download.status).toBe(200);
    const file = path.join(dir, "after-crash.mp4");
    await writeFile(file, download.body);
    const probe = await ffprobeJson(["-show_format", "-show_streams", file]);
    expect(Math.abs(Number(probe.format.duration) - after[0]!.durationS)).toBeLessThanOrEqual(0.5);
    second.child.kill("SIGTERM");
    await new Promise((resolve) => second.child.once("close", resolve));
  }, 90_000);
});
