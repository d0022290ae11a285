// The publisher's clock jumps mid-show, twice (an encoder restarting its timestamps, a clock step): the
// in-process muxer re-bases the timeline and marks a discontinuity. tests/ingest/e2e/media-timeline.test.ts
// checks the playlist; this checks it from a running viewer's side: every part fetched, no error,
// playback continues after each discontinuity.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlHlsViewer } from "../../soak/llhls-viewer.js";
import { encodeFlv } from "../ingest/mp4/flv-media.js";
import { ScriptedPublisher, readFlvTags, shiftTags } from "../ingest/rtmp/helpers/scripted-publisher.js";
import { cleanup, startTestIngest, STREAM, until, type TestIngest } from "./support.js";

let t: TestIngest;
let dir: string;
let publisher: ScriptedPublisher | null = null;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "timestamp-jumps-"));
  t = await startTestIngest();
});

afterAll(async () => {
  publisher?.close();
  await t?.ingest.close();
  await rm(dir, { recursive: true, force: true });
  cleanup();
});

describe("publisher timestamps jumping mid-show", () => {
  it("a running viewer gets every part with no error across two discontinuities", async () => {
    const tags = readFlvTags(await encodeFlv(dir, "show", { seconds: 16, gop: 30, size: "640x360" }));
    const first = tags.findIndex((x) => x.type === "video" && x.timestamp > 5_500);
    const second = tags.findIndex((x) => x.type === "video" && x.timestamp > 10_500);
    const script = shiftTags(shiftTags(tags, first, 3_600_000), second, -3_620_000 + 30_000);
    ({ publisher } = await ScriptedPublisher.publish(t.ingest.rtmpPort, t.key));
    const sending = publisher.send(script, { speed: 1 });
    await until("the stream live", () => t.ingest.registry.get(STREAM)?.status().live, 20_000);
    const viewer = new LlHlsViewer({ streamUrl: t.url(`/live/${STREAM}/`) });
    viewer.start();
    await sending;
    const parts = viewer.stats.parts;
    await until("the viewer at the live edge", () => viewer.stats.discontinuities >= 2 && viewer.stats.parts >= parts, 10_000);
    const stats = await viewer.stop();
    expect(stats.problems).toEqual([]);
    expect(stats.discontinuities).toBe(2);
    expect(await t.metric("live_timestamp_jumps_total")).toBe(2);
    console.info(
      `timestamp jump figures: ${JSON.stringify({ parts: stats.parts, playlists: stats.playlists, retries503: stats.unavailable })}`,
    );
  });
});
