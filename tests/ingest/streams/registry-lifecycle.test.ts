// A stream's life in the registry with a frozen msn clock, so only the registry's own memory keeps
// a later stream's numbers above the earlier one's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { msnFromClock } from "../../../ingest/src/streams/msn-seed.js";
import { getPlaylist, killPublishers, publish, segmentMsns, startTestIngest, until, type TestIngest } from "../e2e/support.js";

const FROZEN = Date.UTC(2030, 0, 1);
let t: TestIngest;

beforeAll(async () => {
  t = await startTestIngest(["--grace-s", "0"], { registry: { endedRetainS: 1, clock: () => FROZEN } });
});

afterAll(async () => {
  killPublishers();
  await t?.close();
});

describe("stream lifecycle", () => {
  it("ends at once with grace 0, is forgotten after endedRetainS, and a later stream numbers above it", async () => {
    const first = publish(t.rtmpUrl(t.key), 3);
    await until("the first playlist", async () => (await getPlaylist(t)).manifest.segments.length >= 1, 20_000, 100);
    expect((await getPlaylist(t)).manifest.mediaSequence).toBe(msnFromClock(FROZEN));
    expect((await first.exited).code).toBe(0);

    const ended = await until(
      "ENDLIST",
      async () => {
        const pl = await getPlaylist(t);
        return pl.manifest.endList ? pl : undefined;
      },
      10_000,
      50,
    );
    const status = JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text);
    expect(status).toMatchObject({ state: "ended", live: false });
    const lastMsn = Math.max(...segmentMsns(ended));

    // Kept visible for endedRetainS, then unknown again (404 playlist, offline status).
    await until("the ended stream forgotten", async () => (await t.get(`/live/${t.stream}/index.m3u8`)).status === 404, 5_000, 100);
    expect(t.ingest.registry.get(t.stream)).toBeUndefined();
    expect(JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text)).toMatchObject({ state: "offline" });

    publish(t.rtmpUrl(t.key), 3);
    const next = await until(
      "the second playlist",
      async () => {
        const pl = await getPlaylist(t);
        return pl.manifest.segments.length >= 1 || pl.manifest.preloadSegment?.parts?.length ? pl : undefined;
      },
      20_000,
      100,
    );
    // Above every number used, though the (frozen) clock has not moved: the next reserved range starts there.
    expect(next.manifest.mediaSequence).toBeGreaterThan(lastMsn);
    // Its init segment has a name of its own too (a cache keeps `init-<id>.mp4` a year; the encoder may have changed).
    const initOf = (text: string) => /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
    expect(initOf(next.text)).toBeDefined();
    expect(initOf(next.text)).not.toBe(initOf(ended.text));
    expect(next.manifest.endList).toBeFalsy();
  });
});
