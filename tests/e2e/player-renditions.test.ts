import type { ChildProcess } from "node:child_process";
import path from "node:path";
import type { Browser, CDPSession } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { KeyStore } from "../../ingest/src/keys/index.js";
import { startTestIngest, until, type TestIngest } from "../ingest/e2e/support.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PageServer } from "./support/page-server.js";
import { PlayerPage, type PageRecord } from "./support/player-page.js";
import { LadderFront, publishLadder, type LadderRung } from "./support/rendition-ladder.js";

/** Each stall after `after`: seconds from "waiting" to the next "playing" (to now if still waiting). */
function stalls(record: PageRecord, after: number, until: number): number[] {
  return record.waiting.filter((at) => at > after).map((at) => ((record.playing.find((p) => p > at) ?? until) - at) / 1000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SHOW = "show";

// A viewer on a link that carries less than the performer sends: a real ffmpeg ladder (720p source
// at 2.5 Mbit/s, 480p, 360p, keyframes aligned) on the real ingest (200 ms parts), the committed bundle in
// Chromium, the link throttled through the DevTools protocol.
describeWithChromium("player with renditions in Chromium: automatic switching and the quality menu", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: TestIngest;
  let front: LadderFront;
  let ffmpeg: ChildProcess;
  const rungs: LadderRung[] = [
    { stream: "show-720", key: "", width: 1280, height: 720, videoKbps: 2500 },
    { stream: "show-480", key: "", width: 854, height: 480, videoKbps: 700 },
    { stream: "show-360", key: "", width: 640, height: 360, videoKbps: 400 },
  ];

  /** A page whose player is 1280 px wide: Auto may then pick the 720p source (it never fetches more pixels than shown). */
  async function openWide(): Promise<PlayerPage> {
    const page = await PlayerPage.open(browser, pages, "worker-src 'self'");
    await page.page.setViewportSize({ width: 1360, height: 900 });
    await page.page.evaluate(() => (document.getElementById("host")!.style.width = "1280px"));
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
    ingest = await startTestIngest(["--part-ms", "200"], {}, rungs[0]!.stream);
    rungs[0]!.key = ingest.key;
    const store = new KeyStore({ file: path.join(ingest.dir, "keys.json") });
    for (const rung of rungs.slice(1)) rung.key = (await store.add(rung.stream)).key;
    ffmpeg = publishLadder(`rtmp://127.0.0.1:${ingest.ingest.rtmpPort}/live`, rungs, 900);
    for (const rung of rungs) {
      await until(
        `${rung.stream} is live`,
        async () => JSON.parse((await ingest.get(`/live/${rung.stream}/status.json`)).text).state === "live",
        20_000,
        200,
      );
    }
    front = new LadderFront(ingest.ingest.httpPort, SHOW, rungs);
    await front.start();
    pages = new PageServer();
    await pages.start();
    await sleep(3_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    ffmpeg?.kill("SIGKILL");
    await Promise.allSettled([ingest?.close(), pages?.close(), front?.close()]);
  });

  it("offers Auto and each rendition, plays the source on a fast link, and hides the menu for a media playlist", async () => {
    const page = await openWide();
    await page.mount({ baseUrl: front.baseUrl, stream: SHOW });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 15_000);
    expect(await width(page)).toBe(1280);
    await page.revealControls();
    await page.page.click(".live-show-quality-button");
    const items = await page.page.$$eval(".live-show-quality-item", (nodes) =>
      nodes.map((n) => [n.textContent, n.getAttribute("aria-checked"), n.getAttribute("role")]),
    );
    expect(items).toEqual([
      ["Auto (Source)", "true", "menuitemradio"],
      ["Source", "false", "menuitemradio"],
      ["480p", "false", "menuitemradio"],
      ["360p", "false", "menuitemradio"],
    ]);
    expect(await page.page.getAttribute(".live-show-quality-button", "aria-label")).toBe("Quality: Auto · Source");
    expect(page.httpErrors).toEqual([]);
    await page.destroy();

    // the ingest's own URL of one rung: a media playlist, as every stream without renditions
    await page.mount({ baseUrl: ingest.origin + "/live", stream: rungs[2]!.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(1, 15_000);
    expect(await page.page.isHidden(".live-show-quality")).toBe(true);
    await page.close();
  });

  it("moves to a lower rendition on a 1.2 Mbit/s link and keeps playing, and back up when the link recovers", async () => {
    const page = await openWide();
    const cdp = await page.page.context().newCDPSession(page.page);
    await page.mount({ baseUrl: front.baseUrl, stream: SHOW });
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
    const upAt = await frameOfWidth(page, 1280, restoredAt, 45_000).catch(() => null);
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
        `link restored: ${upAt === null ? "not back to 1280" : `1280 on screen after ${since(upAt, restoredAt)}`}, ` +
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
    await page.mount({ baseUrl: front.baseUrl, stream: SHOW });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 15_000);
    await watchFrames(page);
    await page.revealControls();
    await page.page.focus(".live-show-quality-button");
    await page.page.keyboard.press("ArrowDown"); // opens on the checked item: Auto
    await page.page.keyboard.press("End");
    expect(await page.page.evaluate(() => (document.activeElement as HTMLElement).dataset.quality)).toBe("360p");
    const chosenAt = await now(page);
    await page.page.keyboard.press("Enter");
    expect(await page.page.isHidden(".live-show-quality-menu")).toBe(true);
    expect(await page.page.evaluate(() => document.activeElement?.className)).toBe("live-show-quality-button");
    const pinnedAt = await frameOfWidth(page, 640, chosenAt, 15_000);
    await page.waitForPlayback(4, 15_000);
    expect(await width(page)).toBe(640); // Auto would have gone back up on this fast link
    const record = await page.record();
    const pinned = await frames(page);
    console.info(
      `pinned 360p: on screen ${((pinnedAt - chosenAt) / 1000).toFixed(1)} s after the choice, ` +
        `stalls ${stalls(record, chosenAt, await now(page)).length}, gap seeks ${record.seeks.filter((x) => x.at > chosenAt).length}, ` +
        `longest frozen picture ${(pinned.longestFreeze / 1000).toFixed(2)} s, skipped ${pinned.longestSkip.toFixed(2)} s`,
    );
    expect(pinned.longestSkip).toBeLessThan(1);
    expect(await page.page.evaluate(() => sessionStorage.getItem("live-shows-player:quality"))).toBe("360p");

    // a later player in this tab starts on the pinned rendition; a tap on Auto lets bandwidth choose again
    await page.destroy();
    await page.mount({ baseUrl: front.baseUrl, stream: SHOW });
    await watchFrames(page);
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 15_000);
    expect((await frames(page)).sizes.map((size) => size.width)).toEqual([640]);
    await page.revealControls();
    await page.page.click(".live-show-quality-button");
    expect(await page.page.getAttribute('[data-quality="360p"]', "aria-checked")).toBe("true");
    const autoAt = await now(page);
    await page.page.click('[data-quality="auto"]');
    await frameOfWidth(page, 1280, autoAt, 20_000);
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
