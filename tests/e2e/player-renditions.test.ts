import { spawn, type ChildProcess } from "node:child_process";
import type { Browser, CDPSession } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestIngest, until, type TestIngest } from "../ingest/e2e/support.js";
import { ffmpegPublishArgs } from "../support/ffmpeg-publish-args.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PageServer } from "./support/page-server.js";
import { PlayerPage, type PageRecord } from "./support/player-page.js";

/** Each stall after `after`: seconds from "waiting" to the next "playing" (to now if still waiting). */
function stalls(record: PageRecord, after: number, until: number): number[] {
  return record.waiting.filter((at) => at > after).map((at) => ((record.playing.find((p) => p > at) ?? until) - at) / 1000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SOURCE_WIDTH = 854;

// A viewer on a link that carries less than the performer sends: a real ffmpeg publisher (854x480 at a
// constant 2.5 Mbit/s, 2 s GOP) to the real ingest transcoding 360p and 240p (200 ms parts), the committed
// bundle in Chromium, the link throttled through the DevTools protocol.
describeWithChromium("player with renditions in Chromium: automatic switching and the quality menu", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: TestIngest;
  let baseUrl = "";
  let publisher: ChildProcess;
  /** The 240p rendition's width, as status.json reports it. */
  let lowestWidth = 0;

  /** A page whose player is as wide as the source: Auto may pick it (it never fetches more pixels than shown). */
  async function openWide(): Promise<PlayerPage> {
    const page = await PlayerPage.open(browser, pages, "worker-src 'self'");
    await page.page.evaluate((width) => (document.getElementById("host")!.style.width = `${width}px`), SOURCE_WIDTH);
    return page;
  }

  /**
   * Records every frame the page presents (requestVideoFrameCallback): each frame size with the time it
   * first appeared, the longest wall time between two presented frames (a frozen picture, stalls
   * included), and the longest media time between two (a skipped picture: what a switch that misses a
   * keyframe causes while the sound plays on, unlike a stall).
   */
  async function watchFrames(page: PlayerPage): Promise<void> {
    await page.page.evaluate(() => {
      const t = (window as any).__test;
      const video = document.querySelector("video")!;
      t.frames = { sizes: [], longestFreeze: 0, longestSkip: 0, last: null, lastMedia: null };
      const onFrame = (now: number, meta: { width: number; mediaTime: number }) => {
        const f = t.frames;
        if (f.sizes.at(-1)?.width !== meta.width) f.sizes.push({ width: meta.width, at: now });
        if (f.last !== null) f.longestFreeze = Math.max(f.longestFreeze, now - f.last);
        if (f.lastMedia !== null) f.longestSkip = Math.max(f.longestSkip, meta.mediaTime - f.lastMedia);
        f.last = now;
        f.lastMedia = meta.mediaTime;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    });
  }

  async function frames(page: PlayerPage): Promise<{ sizes: { width: number; at: number }[]; longestFreeze: number; longestSkip: number }> {
    return page.page.evaluate(() => {
      const f = (window as any).__test.frames;
      return { sizes: f.sizes, longestFreeze: f.longestFreeze, longestSkip: f.longestSkip };
    });
  }

  /** Resolves with the time a frame `width` px wide first came on screen after `after`. */
  async function frameOfWidth(page: PlayerPage, width: number, after: number, timeoutMs: number): Promise<number> {
    const handle = await page.page.waitForFunction(
      ([w, t]) => (window as any).__test.frames.sizes.find((s: any) => s.width === w && s.at > t)?.at,
      [width, after] as const,
      { timeout: timeoutMs, polling: 100 },
    );
    return (await handle.jsonValue()) as number;
  }

  async function throttle(cdp: CDPSession, mbps: number | null): Promise<void> {
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: mbps === null ? 0 : 20,
      downloadThroughput: mbps === null ? -1 : (mbps * 1e6) / 8,
      uploadThroughput: mbps === null ? -1 : (mbps * 1e6) / 8,
    });
  }

  const now = (page: PlayerPage) => page.page.evaluate(() => performance.now());
  const width = async (page: PlayerPage) => (await page.video()).videoWidth;

  beforeAll(async () => {
    ingest = await startTestIngest(["--part-ms", "200", "--renditions", "360p,240p", "--max-transcodes", "4"]);
    baseUrl = `http://127.0.0.1:${ingest.ingest.httpPort}/live`;
    // the test pattern compresses far below any bitrate: constant bitrate (filler) makes it weigh 2.5 Mbit/s
    const rate = [
      "-threads",
      "1",
      "-b:v",
      "2500k",
      "-minrate",
      "2500k",
      "-maxrate",
      "2500k",
      "-bufsize",
      "1250k",
      "-x264-params",
      "nal-hrd=cbr:filler=1",
    ];
    const args = ffmpegPublishArgs(ingest.rtmpUrl(ingest.key), { seconds: 900, size: `${SOURCE_WIDTH}x480`, video: rate });
    publisher = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "inherit"] });
    await until(
      "the source and both renditions running",
      async () => {
        const status = JSON.parse((await ingest.get(`/live/${ingest.stream}/status.json`)).text) as {
          renditions?: { state: string; width: number }[];
        };
        lowestWidth = status.renditions?.[2]?.width ?? 0;
        return status.renditions?.length === 3 && status.renditions.every((r) => r.state === "source" || r.state === "running");
      },
      30_000,
      250,
    );
    await sleep(3_000); // a few segments in every rendition
    pages = new PageServer();
    await pages.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    publisher?.kill("SIGKILL");
    await Promise.allSettled([ingest?.close(), pages?.close()]);
  });

  it("offers Auto and each rendition from the multivariant playlist, and plays the source on a fast link", async () => {
    const page = await openWide();
    await page.mount({ baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 15_000);
    const playing = await width(page);
    await page.revealControls();
    await page.page.click(".live-show-quality-button");
    const items = await page.page.$$eval(".live-show-quality-item", (nodes) =>
      nodes.map((n) => [n.textContent, n.getAttribute("aria-checked"), n.getAttribute("role")]),
    );
    console.info(`Auto on the unthrottled link: ${playing} px wide, the menu says ${items[0]![0]}`);
    expect(items[0]).toEqual([expect.stringMatching(/^Auto \((Source|360p|240p)\)$/), "true", "menuitemradio"]);
    expect(items.slice(1)).toEqual([
      ["Source", "false", "menuitemradio"],
      ["360p", "false", "menuitemradio"],
      ["240p", "false", "menuitemradio"],
    ]);
    expect(await page.page.getAttribute(".live-show-quality-button", "aria-label")).toMatch(/^Quality: Auto · (Source|360p|240p)$/);
    // on loopback the measured bandwidth is far above the source's; a loaded machine may delay a part
    expect(playing).toBe(SOURCE_WIDTH);
    expect(page.httpErrors).toEqual([]);
    await page.destroy();
    await page.close();
  });

  it("moves to a lower rendition on a 1.2 Mbit/s link and keeps playing, and back up when the link recovers", async () => {
    const page = await openWide();
    const cdp = await page.page.context().newCDPSession(page.page);
    await page.mount({ baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(3, 15_000);
    const before = await width(page);
    await watchFrames(page);

    const throttledAt = await now(page);
    await throttle(cdp, 1.2);
    const played = await page.waitForPlayback(12, 30_000); // it keeps playing on the slow link...
    const down = await frames(page);
    const lower = down.sizes.find((size) => size.width < before); // ...on a lower rendition
    const afterDown = await page.record();

    const restoredAt = await now(page);
    await throttle(cdp, null);
    const upAt = await frameOfWidth(page, SOURCE_WIDTH, restoredAt, 45_000).catch(() => null);
    await page.waitForPlayback(3, 10_000);
    const record = await page.record();
    const up = await frames(page);
    const since = (at: number, from: number) => `${((at - from) / 1000).toFixed(1)} s`;
    const stallsDown = stalls(afterDown, throttledAt, restoredAt);
    const stallsUp = stalls(record, restoredAt, await now(page));
    console.info(
      `playing ${before} px wide; throttled to 1.2 Mbit/s: ${lower ? `${lower.width} px wide on screen after ${since(lower.at, throttledAt)}` : "no lower rendition"}, ` +
        `stalls [${stallsDown.map((d) => d.toFixed(2)).join(", ")}] s, gap seeks ${afterDown.seeks.filter((x) => x.at > throttledAt).length}, ` +
        `longest frozen picture ${(down.longestFreeze / 1000).toFixed(2)} s, skipped ${down.longestSkip.toFixed(2)} s, dropped ${played.dropped}/${played.total} frames; ` +
        `link restored: ${upAt === null ? "not back to the source" : `the source on screen after ${since(upAt, restoredAt)}`}, ` +
        `stalls [${stallsUp.map((d) => d.toFixed(2)).join(", ")}] s, gap seeks ${record.seeks.filter((x) => x.at > restoredAt).length}, ` +
        `longest frozen picture ${(up.longestFreeze / 1000).toFixed(2)} s, skipped ${up.longestSkip.toFixed(2)} s; frame sizes ${up.sizes.map((x) => `${x.width}@${since(x.at, throttledAt)}`).join(" ")}; ` +
        `behind the ingest clock ${(await page.latency())?.toFixed(2)} s`,
    );
    expect(lower, "a lower rendition on screen while throttled").toBeDefined();
    expect(upAt, "the source on screen again after the link recovered").not.toBeNull();
    // a switch that misses a keyframe skips the picture to the next one (up to the 2 s GOP) while the
    // sound plays on; a few frames dropped by a busy machine are not that
    expect(up.longestSkip).toBeLessThan(1);
    expect((await page.states()).at(-1)).toBe("live");
    expect(page.httpErrors).toEqual([]);
    await page.destroy();
    await page.close();
  });

  it("pins the rendition the viewer picks (keyboard or tap), for the rest of the session", async () => {
    const page = await openWide();
    await page.mount({ baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 15_000);
    await watchFrames(page);
    await page.revealControls();
    await page.page.focus(".live-show-quality-button");
    await page.page.keyboard.press("ArrowDown"); // opens on the checked item: Auto
    await page.page.keyboard.press("End");
    expect(await page.page.evaluate(() => (document.activeElement as HTMLElement).dataset.quality)).toBe("240p");
    const chosenAt = await now(page);
    await page.page.keyboard.press("Enter");
    expect(await page.page.isHidden(".live-show-quality-menu")).toBe(true);
    expect(await page.page.evaluate(() => document.activeElement?.className)).toBe("live-show-quality-button");
    const pinnedAt = await frameOfWidth(page, lowestWidth, chosenAt, 15_000);
    await page.waitForPlayback(4, 15_000);
    expect(await width(page)).toBe(lowestWidth); // Auto would have gone back up on this fast link
    const record = await page.record();
    const pinned = await frames(page);
    console.info(
      `pinned 240p: on screen ${((pinnedAt - chosenAt) / 1000).toFixed(1)} s after the choice, ` +
        `stalls ${stalls(record, chosenAt, await now(page)).length}, gap seeks ${record.seeks.filter((x) => x.at > chosenAt).length}, ` +
        `longest frozen picture ${(pinned.longestFreeze / 1000).toFixed(2)} s, skipped ${pinned.longestSkip.toFixed(2)} s`,
    );
    expect(pinned.longestSkip).toBeLessThan(1);
    expect(await page.page.evaluate(() => sessionStorage.getItem("live-shows-player:quality"))).toBe("240p");

    // a later player in this tab starts on the pinned rendition; a tap on Auto lets bandwidth choose again
    await page.destroy();
    await page.mount({ baseUrl, stream: ingest.stream });
    await watchFrames(page);
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 15_000);
    expect((await frames(page)).sizes.map((size) => size.width)).toEqual([lowestWidth]);
    await page.revealControls();
    await page.page.click(".live-show-quality-button");
    expect(await page.page.getAttribute('[data-quality="240p"]', "aria-checked")).toBe("true");
    const autoAt = await now(page);
    await page.page.click('[data-quality="auto"]');
    await frameOfWidth(page, SOURCE_WIDTH, autoAt, 20_000);
    expect(await page.page.evaluate(() => sessionStorage.getItem("live-shows-player:quality"))).toBe("auto");
    const auto = await frames(page);
    console.info(
      `back to Auto: longest frozen picture ${(auto.longestFreeze / 1000).toFixed(2)} s, skipped ${auto.longestSkip.toFixed(2)} s`,
    );
    expect(auto.longestSkip).toBeLessThan(1);
    expect(page.httpErrors).toEqual([]);
    await page.destroy();
    await page.close();
  });
});
