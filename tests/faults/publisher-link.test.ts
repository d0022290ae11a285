// The publisher's network fails mid-show: the link goes silent (the ingest hears nothing, no FIN/RST: OBS
// behind a dropped Wi-Fi or NAT) or is reset. The performer reconnects: the new publish gets in about a
// second later (stale takeover), the playlist continues with a discontinuity, and a viewer never sees an error.
// (A publisher that exits cleanly and an ffmpeg crash are covered by tests/ingest/e2e/live-show.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlHlsViewer } from "../../soak/llhls-viewer.js";
import { httpRequest } from "../../soak/http-client.js";
import { cleanup, publish, startTestIngest, STREAM, until, type Publisher, type TestIngest } from "./support.js";
import { TcpProxy } from "./tcp-proxy.js";

let t: TestIngest;
let proxy: TcpProxy;
let proxyPort: number;
const figures: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestIngest(["--grace-s", "30"]);
  proxy = new TcpProxy(t.ingest.rtmpPort);
  proxyPort = await proxy.start();
});

afterAll(async () => {
  await proxy?.close();
  await t?.ingest.close();
  cleanup();
  console.info(`publisher link figures: ${JSON.stringify(figures)}`);
});

const logLines = (msg: string) => t.logs.filter((l) => l.includes(`"msg":"${msg}"`));
const playlist = async () => (await httpRequest(t.url(`/live/${STREAM}/index.m3u8`))).body.toString();
const segmentMsns = (text: string) => [...text.matchAll(/^seg-(\d+)\.m4s$/gm)].map((m) => Number(m[1]));

async function liveThroughProxy(): Promise<Publisher> {
  const publisher = publish(t.rtmpUrl(t.key, proxyPort));
  const started = logLines("publish started").length;
  await until("the publish through the proxy", () => logLines("publish started").length > started, 15_000);
  await until("a complete segment after it", async () => segmentMsns(await playlist()).length >= 2, 20_000, 200);
  return publisher;
}

/** Reconnects straight to the ingest; resolves with ms from ffmpeg's start to the ingest's "publish started". */
async function reconnect(): Promise<{ publisher: Publisher; ms: number }> {
  const before = logLines("publish started").length;
  const startedAt = performance.now();
  const publisher = publish(t.rtmpUrl());
  await until("the reconnecting publisher accepted", () => logLines("publish started").length > before, 15_000, 20);
  return { publisher, ms: Math.round(performance.now() - startedAt) };
}

describe.sequential("the publisher's link breaks mid-show", () => {
  it("silent link: the reconnecting publisher takes over the stale one; viewers continue after a discontinuity", async () => {
    const first = await liveThroughProxy();
    const viewer = new LlHlsViewer({ streamUrl: t.url(`/live/${STREAM}/`) });
    viewer.start();
    await until("the viewer playing", () => viewer.stats.parts >= 4, 15_000);
    const msnsBefore = segmentMsns(await playlist());

    proxy.blackhole();
    await first.exited; // ffmpeg got the reset and gave up, as OBS does before reconnecting
    expect(logLines("stale publisher taken over")).toHaveLength(0);
    const { publisher, ms } = await reconnect();
    figures.silentLinkReconnectMs = ms;
    // The old session was still open (the ingest heard nothing): it was taken over, not timed out after 10 s.
    expect(logLines("stale publisher taken over")).toHaveLength(1);
    expect(t.logs.some((l) => l.includes('"reason":"taken over by a new publisher"'))).toBe(true);
    expect(t.logs.some((l) => l.includes("no media before media timeout"))).toBe(false);
    expect(ms).toBeLessThan(10_000);

    const partsAtReconnect = viewer.stats.parts;
    await until(
      "the viewer past the discontinuity",
      () => viewer.stats.discontinuities >= 1 && viewer.stats.parts >= partsAtReconnect + 8,
      20_000,
    );
    const stats = await viewer.stop();
    figures.silentLinkViewer503s = stats.unavailable;
    expect(stats.problems).toEqual([]);
    const after = await playlist();
    const msns = segmentMsns(after);
    expect(msns).toEqual(msns.map((_, i) => msns[0]! + i));
    expect(Math.max(...msns)).toBeGreaterThan(Math.max(...msnsBefore));
    expect(after).toContain("#EXT-X-DISCONTINUITY");
    publisher.child.kill("SIGKILL");
    await publisher.exited;
    await until(
      "reconnecting",
      async () => JSON.parse((await httpRequest(t.url(`/live/${STREAM}/status.json`))).body.toString()).state === "reconnecting",
    );
  });

  it("reset link: the ingest notices at once, the reconnect needs no takeover; viewers continue", async () => {
    const first = await liveThroughProxy();
    const viewer = new LlHlsViewer({ streamUrl: t.url(`/live/${STREAM}/`) });
    viewer.start();
    await until("the viewer playing", () => viewer.stats.parts >= 4, 15_000);
    const takeovers = logLines("stale publisher taken over").length;

    proxy.reset();
    await first.exited;
    await until(
      "the ingest noticed the reset",
      async () => JSON.parse((await httpRequest(t.url(`/live/${STREAM}/status.json`))).body.toString()).state === "reconnecting",
      5_000,
      50,
    );
    const { publisher, ms } = await reconnect();
    figures.resetLinkReconnectMs = ms;
    expect(logLines("stale publisher taken over")).toHaveLength(takeovers);

    const partsAtReconnect = viewer.stats.parts;
    const discontinuities = viewer.stats.discontinuities;
    await until(
      "the viewer past the discontinuity",
      () => viewer.stats.discontinuities > discontinuities && viewer.stats.parts >= partsAtReconnect + 8,
      20_000,
    );
    const stats = await viewer.stop();
    figures.resetLinkViewer503s = stats.unavailable;
    expect(stats.problems).toEqual([]);
    publisher.child.kill("SIGKILL");
    await publisher.exited;
  });
});
