// The stream's ffmpeg is killed mid-show, twice. tests/ingest/e2e/live-show.test.ts checks the playlist
// (restart, discontinuity, numbering, metrics); this checks it from a running player's side: every part
// fetched, no error, playback continues after each discontinuity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlHlsViewer } from "../../soak/llhls-viewer.js";
import { cleanup, processAlive, publish, startTestIngest, STREAM, until, type TestIngest } from "./support.js";

let t: TestIngest;

beforeAll(async () => {
  t = await startTestIngest();
  publish(t.rtmpUrl(), 60);
  await until("the stream live", () => t.ingest.registry.get(STREAM)?.remuxerPid, 20_000);
});

afterAll(async () => {
  await t?.ingest.close();
  cleanup();
});

describe("ffmpeg killed mid-show", () => {
  it("a running viewer gets every part with no error across two ffmpeg crashes", async () => {
    const viewer = new LlHlsViewer({ streamUrl: t.url(`/live/${STREAM}/`) });
    viewer.start();
    await until("the viewer playing", () => viewer.stats.parts >= 4, 20_000);
    for (let crash = 1; crash <= 2; crash++) {
      const pid = t.ingest.registry.get(STREAM)!.remuxerPid!;
      process.kill(pid, "SIGKILL");
      await until(
        "a new ffmpeg",
        () => {
          const next = t.ingest.registry.get(STREAM)?.remuxerPid;
          return next !== undefined && next !== pid && processAlive(next);
        },
        10_000,
      );
      const parts = viewer.stats.parts;
      await until(
        `the viewer past discontinuity ${crash}`,
        () => viewer.stats.discontinuities >= crash && viewer.stats.parts >= parts + 6,
        20_000,
      );
    }
    const stats = await viewer.stop();
    expect(stats.problems).toEqual([]);
    expect(stats.discontinuities).toBe(2);
    console.info(
      `ffmpeg crash figures: ${JSON.stringify({ parts: stats.parts, playlists: stats.playlists, retries503: stats.unavailable })}`,
    );
  });
});
