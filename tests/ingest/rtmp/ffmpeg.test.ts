// The receiver against the real ffmpeg RTMP client on loopback.
import { afterEach, describe, expect, it } from "vitest";
import type { RtmpPublish } from "../../../ingest/src/rtmp/publish.js";
import { decodeErrors, ffprobe, killAll, run } from "./helpers/processes.js";
import { ffmpegPublishArgs } from "../../support/ffmpeg-publish-args.js";
import { RawRtmpClient, aacSequenceHeader, avcSequenceHeader } from "./helpers/raw-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const KEY = "good-key-0123456789";
let s: TestServer | null = null;

afterEach(async () => {
  killAll();
  await s?.close();
  s = null;
});

/** Checks an FLV recording the way the remuxer will read it: H.264 + AAC, about `seconds` long, decodable. */
async function expectIntactRecording(publish: RtmpPublish, seconds: number): Promise<void> {
  const summary = await s!.recordings.get(publish)!;
  const probe = await ffprobe(summary.path);
  expect(probe.streams.map((x) => x.codec_type).sort()).toEqual(["audio", "video"]);
  const video = probe.streams.find((x) => x.codec_type === "video");
  const audio = probe.streams.find((x) => x.codec_type === "audio");
  expect(video).toMatchObject({ codec_name: "h264", width: 640, height: 360 });
  expect(audio).toMatchObject({ codec_name: "aac", sample_rate: "48000" });
  const duration = Number(probe.format.duration);
  expect(duration).toBeGreaterThan(seconds - 0.5);
  expect(duration).toBeLessThan(seconds + 0.5);
  expect(await decodeErrors(summary.path)).toBe("");
}

describe("ffmpeg publisher", () => {
  it("publishes with the right key; a second publisher and a wrong key are refused meanwhile", async () => {
    s = await startTestServer();
    const url = (key: string): string => `rtmp://127.0.0.1:${s!.port}/live/${key}`;
    const good = run("ffmpeg", ffmpegPublishArgs(url(KEY), { seconds: 3 }));
    const publish = await s.nextPublish();
    expect(publish.stream).toBe("show");

    const [second, wrong] = await Promise.all([
      run("ffmpeg", ffmpegPublishArgs(url(KEY), { seconds: 3 })),
      run("ffmpeg", ffmpegPublishArgs(url("not-the-key"), { seconds: 3 })),
    ]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain("already publishing");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("invalid stream key");

    const result = await good;
    expect(result.code, result.stderr).toBe(0);
    expect(s.publishes).toEqual([publish]); // nothing was produced for the refused ones
    await expectIntactRecording(publish, 3);
    expect(publish.metadata).toMatchObject({ width: 640, height: 360 });

    const logs = s.logs.join("\n");
    expect(logs).not.toContain(KEY);
    expect(logs).not.toContain("not-the-key");
  });

  it("validates our digest handshake as a player, then play is refused", async () => {
    s = await startTestServer();
    const r = await run("ffmpeg", ["-hide_banner", "-nostdin", "-i", `rtmp://127.0.0.1:${s.port}/live/show`, "-f", "null", "-"], 15_000);
    expect(r.code).not.toBe(0);
    // ffmpeg checks S1 and S2 digests when playing; reaching the play reply means both validated.
    expect(r.stderr).toContain("play is not supported");
    expect(r.stderr).not.toMatch(/Signature mismatch|validating failed/);
    expect(s.logs.some((l) => l.includes('"digest":true'))).toBe(true);
  });

  it("takes over a stale publisher (network drop) with a new ffmpeg", async () => {
    s = await startTestServer(); // default takeoverMs (1 s)
    const stale = await RawRtmpClient.connected(s.port);
    expect((await stale.publish(KEY)).code).toBe("NetStream.Publish.Start");
    const old = await s.nextPublish();
    stale.media("video", 0, avcSequenceHeader());
    stale.media("audio", 0, aacSequenceHeader());
    // The old session now sends nothing, like OBS behind a dead link, and the publisher reconnects at once:
    // its claim waits until the old one has been silent for takeoverMs, then takes over.
    const oldClosed = new Promise<string>((resolve) => old.once("close", resolve));

    const ffmpeg = run("ffmpeg", ffmpegPublishArgs(`rtmp://127.0.0.1:${s.port}/live/${KEY}`, { seconds: 2 }));
    const fresh = await s.nextPublish();
    expect(old.closed).toBe(true);
    expect(await oldClosed).toBe("taken over by a new publisher");
    expect(s.slots.publisherOf("show")).toBe(fresh);
    const result = await ffmpeg;
    expect(result.code, result.stderr).toBe(0);
    await expectIntactRecording(fresh, 2);
    stale.destroy();
  });
});
