// The registry's ffmpeg supervision against real processes: an ffmpeg that stops reading (SIGSTOP)
// is replaced from the next keyframe; one that keeps dying ends the publish.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getPlaylist,
  killPublishers,
  metricValue,
  msnOf,
  processAlive,
  publish,
  startTestIngest,
  until,
  type Publisher,
  type TestIngest,
} from "../e2e/support.js";

let t: TestIngest;
let publisher: Publisher;
const stream = () => t.ingest.registry.get(t.stream)!;
const metrics = async () => (await t.get("/metrics")).text;
const newPid = (old: number) =>
  until(
    `an ffmpeg other than ${old}`,
    () => {
      const pid = stream().remuxerPid;
      return pid !== undefined && pid !== old ? pid : undefined;
    },
    15_000,
    20,
  );

beforeAll(async () => {
  t = await startTestIngest([], {
    // ~0.8 s of this publisher's media queued in front of a stalled ffmpeg.
    registry: { maxQueuedBytes: 128 * 1024, restart: { maxPerMinute: 2, baseDelayMs: 50 } },
  });
  publisher = publish(t.rtmpUrl(t.key));
});

afterAll(async () => {
  killPublishers();
  await t?.close();
});

describe.sequential("ffmpeg supervision", () => {
  it("replaces an ffmpeg that stops reading, from the next keyframe, after a discontinuity", async () => {
    await until("a complete segment", async () => (await getPlaylist(t)).manifest.segments.length >= 1, 20_000, 200);
    const stalled = stream().remuxerPid!;
    const lastBefore = stream().position().msn;
    process.kill(stalled, "SIGSTOP");
    const replacement = await newPid(stalled);
    await until("the stalled ffmpeg gone", () => !processAlive(stalled), 5_000);
    expect(processAlive(replacement)).toBe(true);

    const p = await until(
      "a segment after the stall",
      async () => {
        const pl = await getPlaylist(t);
        return pl.manifest.segments.some((s) => s.discontinuity) ? pl : undefined;
      },
      15_000,
      200,
    );
    const disc = p.manifest.segments.find((s) => s.discontinuity)!;
    expect(msnOf(disc.uri)).toBeGreaterThan(lastBefore);
    expect(disc.parts?.[0]?.independent ?? true).toBe(true);
    // The stall is not stretched into the media: no part longer than PART-TARGET.
    for (const seg of p.manifest.segments)
      for (const part of seg.parts ?? []) expect(part.duration).toBeLessThanOrEqual(p.manifest.partTargetDuration!);
    expect(stream().status().state).toBe("live");

    const text = await metrics();
    expect(metricValue(text, 'live_ffmpeg_restarts_total{reason="backpressure"}')).toBe(1);
    expect(metricValue(text, 'live_ffmpeg_restarts_total{reason="crash"}')).toBe(0);
    expect(metricValue(text, 'live_dropped_media_tags_total{reason="backpressure"}')).toBeGreaterThan(0);
    expect(t.logs.some((l) => l.includes("ffmpeg is not keeping up"))).toBe(true);
  });

  it("restarts a dying ffmpeg a bounded number of times per minute, then ends the publish", async () => {
    let pid = stream().remuxerPid!;
    for (let crash = 1; crash <= 2; crash++) {
      process.kill(pid, "SIGKILL");
      pid = await newPid(pid);
    }
    process.kill(pid, "SIGKILL");
    const result = await publisher.exited;
    expect(result.code).not.toBe(0);
    await until("reconnecting", () => stream().status().state === "reconnecting");
    expect(stream().hasPublisher).toBe(false);
    expect(metricValue(await metrics(), 'live_ffmpeg_restarts_total{reason="crash"}')).toBe(2);
    const gaveUp = t.logs.find((l) => l.includes("ffmpeg keeps failing"));
    expect(gaveUp).toBeDefined();
    // ffmpeg's last stderr lines are part of the report (here empty: it was killed, it did not complain).
    expect(JSON.parse(gaveUp!)).toMatchObject({ stream: t.stream, recentRestarts: 2, signal: "SIGKILL", stderr: expect.any(Array) });
  });
});
