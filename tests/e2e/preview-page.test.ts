import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { KeyStore } from "../../ingest/src/keys/index.js";
import { ffmpegPublishArgs } from "../support/ffmpeg-publish-args.js";
import { killPublishers, publish, startTestIngest, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";

// The ingest's own preview page for performers (/live/), served with its strict CSP by the real ingest,
// in Chromium: no stream, then a real ffmpeg publisher's stream playing in its card with its numbers,
// then the end and the card going away; the performer's checklist against a second, rough publisher.
// PREVIEW_SCREENSHOT=<file.png> / PREVIEW_CHECKLIST_SCREENSHOT=<file.png> also save screenshots of the
// live card and of the rough stream's checklist (docs/images/preview-*.png are made this way).
describeWithChromium("ingest preview page in Chromium", () => {
  let browser: Browser;
  let ingest: TestIngest;
  let page: Page;
  let publisher: Publisher | undefined;
  let rough: ChildProcess | undefined;
  const httpErrors: string[] = [];
  const consoleErrors: string[] = [];

  const card = '[data-stream="show"]';
  const stat = (name: string) => page.locator(`${card} [data-stat="${name}"]`).innerText();
  const waitForCard = (state: string, timeoutMs: number) =>
    page.waitForFunction(
      ([selector, wanted]) => (document.querySelector(selector!) as HTMLElement | null)?.dataset.state === wanted,
      [card, state],
      { timeout: timeoutMs, polling: 100 },
    );
  const video = () =>
    page.evaluate((selector) => {
      const element = document.querySelector(`${selector} video`) as HTMLVideoElement | null;
      return element ? { currentTime: element.currentTime, videoWidth: element.videoWidth, paused: element.paused } : null;
    }, card);

  beforeAll(async () => {
    ingest = await startTestIngest(["--part-ms", "200", "--grace-s", "2"], { registry: { endedRetainS: 3 } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[]; __states: string[] };
      w.__csp = [];
      w.__states = [];
      document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      // Every state the stream's card shows, in order.
      new MutationObserver((records) => {
        for (const r of records) {
          const state = (r.target as HTMLElement).dataset.state;
          if ((r.target as HTMLElement).dataset.stream === "show" && state && w.__states.at(-1) !== state) w.__states.push(state);
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
    });
    page.on("response", (response) => {
      if (response.status() >= 400) httpErrors.push(`${response.status()} ${response.url()}`);
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(String(error)));
  });

  afterAll(async () => {
    await browser?.close();
    killPublishers();
    rough?.kill("SIGKILL");
    await ingest?.close();
  });

  it("shows no stream, then the live stream playing with its numbers, then the end; no CSP violation, no HTTP error", async () => {
    await page.goto(`http://127.0.0.1:${ingest.ingest.httpPort}/live/`);
    expect(await page.title()).toBe("Live Shows — preview");
    await page.locator("#streams > .empty").waitFor({ timeout: 5_000 });
    expect(await page.locator("#streams").innerText()).toMatch(/^No stream yet\. Start streaming in OBS/);

    publisher = publish(ingest.rtmpUrl(ingest.key), 60);
    await waitForCard("live", 20_000);
    await page.waitForFunction((selector) => (document.querySelector(selector) as HTMLElement).dataset.player === "live", card, {
      timeout: 15_000,
      polling: 100,
    });
    const first = await video();
    expect(first).not.toBeNull();
    await page.waitForFunction(
      ({ selector, target }) => (document.querySelector(`${selector} video`) as HTMLVideoElement).currentTime >= target,
      { selector: card, target: first!.currentTime + 2 },
      { timeout: 15_000, polling: 100 },
    );
    const playing = (await video())!;
    expect(playing.videoWidth).toBe(640);
    expect(playing.paused).toBe(false);

    // What the ingest measures, as the performer sees it (testsrc2 640x360 at 30 fps, 2 s GOP, AAC).
    await page.waitForFunction((selector) => document.querySelector(`${selector} [data-stat="keyframes"]`)?.textContent === "2.0 s", card, {
      timeout: 15_000,
      polling: 200,
    });
    expect(await stat("resolution")).toBe("640×360");
    const fps = /^(\d+(?:\.\d)?) fps$/.exec(await stat("fps"));
    expect(Math.abs(Number(fps?.[1]) - 30)).toBeLessThan(1); // measured over the last seconds of media
    expect(await stat("videoBitrate")).toMatch(/^[1-9]\d* kbps$/);
    expect(await stat("audioBitrate")).toMatch(/^[1-9]\d* kbps$/);
    expect(await stat("videoCodec")).toMatch(/^H\.264 High \(avc1\.64[0-9a-f]{4}\)$/);
    expect(await stat("audio")).toMatch(/^AAC-LC, 48 kHz, (mono|stereo)$/);
    // This page's player sends viewer heartbeats too.
    await page.waitForFunction((selector) => document.querySelector(`${selector} [data-stat="viewers"]`)?.textContent === "1", card, {
      timeout: 15_000,
      polling: 200,
    });
    expect(await page.locator(`${card} .badge`).innerText()).toMatch(/^live$/i);
    expect(await page.locator(`${card} .warnings li`).count()).toBe(0);
    // A healthy publisher: every check of the performer's checklist OK.
    expect(await page.locator(`${card} .check`).evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.status))).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
    expect(await page.locator(`${card} .playlist a`).getAttribute("href")).toBe(
      `http://127.0.0.1:${ingest.ingest.httpPort}/live/show/index.m3u8`,
    );
    expect(await page.content()).not.toContain(ingest.key);
    if (process.env.PREVIEW_SCREENSHOT) await page.screenshot({ path: process.env.PREVIEW_SCREENSHOT });

    // The performer stops: the card says so, the player goes away when the stream ends, then the card.
    await publisher.kill();
    await waitForCard("ended", 15_000);
    expect(await page.locator(`${card} video`).count()).toBe(0);
    expect(await page.locator(`${card} .player:not(.replay)`).innerText()).toBe("");
    await page.locator("#streams > .empty").waitFor({ timeout: 15_000 });
    expect(await page.locator(card).count()).toBe(0);

    const states = await page.evaluate(() => (window as unknown as { __states: string[] }).__states);
    // "offline" (OBS connected, no media yet) lasts a moment and a 3 s refresh may miss it; so may "reconnecting" (2 s grace).
    expect(states.filter((s) => s !== "offline").join(" ")).toMatch(/^live (reconnecting )?ended$/);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(httpErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it("the checklist flags a long keyframe interval, no audio and a low, unsteady frame rate, each with its OBS fix", async () => {
    // What a struggling OBS sends: 10 fps, a keyframe every 10 s, no audio track, and every 10th frame
    // missing with the timestamps kept (as OBS leaves them when it skips a frame).
    const { key } = await new KeyStore({ file: path.join(ingest.dir, "keys.json") }).add("rough");
    const args = ffmpegPublishArgs(ingest.rtmpUrl(key), {
      seconds: 60,
      size: "426x240",
      rate: 10,
      gop: 100,
      filters: ["-vf", "select=not(eq(mod(n\\,10)\\,5))", "-fps_mode", "passthrough"],
      video: ["-threads", "1"],
      audio: false,
    });
    let stderr = "";
    rough = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "pipe"] });
    rough.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));

    await page.goto(`http://127.0.0.1:${ingest.ingest.httpPort}/live/`);
    const roughCard = '[data-stream="rough"]';
    const status = (check: string) => page.locator(`${roughCard} [data-check="${check}"]`).getAttribute("data-status");
    await page
      .waitForFunction(
        (selector) =>
          [...document.querySelectorAll(`${selector} .check`)].filter((li) => (li as HTMLElement).dataset.status === "fix").length === 3,
        roughCard,
        { timeout: 30_000, polling: 200 },
      )
      .catch((error: unknown) => {
        throw new Error(`${String(error)}\nffmpeg: ${stderr}`);
      });
    const text = (check: string, part: string) => page.locator(`${roughCard} [data-check="${check}"] .check-${part}`).innerText();

    expect(await status("keyframes")).toBe("fix");
    expect(await text("keyframes", "fix")).toMatch(/Keyframe Interval to 1 or 2 s/);
    expect(await status("audio")).toBe("fix");
    expect(await text("audio", "value")).toBe("none");
    expect(await text("audio", "fix")).toMatch(/Settings → Audio/);
    expect(await status("framerate")).toBe("fix");
    expect(await text("framerate", "value")).toMatch(/^(8\.[5-9]|9(\.\d)?) fps, \d+ dropped$/);
    expect(await text("framerate", "fix")).toMatch(
      /^Frame rate is (8\.[5-9]\d*|9(\.\d+)?) fps.*Common FPS Values to 30\..*frames missing in the last 10 s/,
    );
    expect(await status("bitrate")).toBe("ok");
    expect(await page.locator(`${roughCard} .warnings li`).count()).toBe(0);
    if (process.env.PREVIEW_CHECKLIST_SCREENSHOT)
      await page.locator(roughCard).screenshot({ path: process.env.PREVIEW_CHECKLIST_SCREENSHOT });
    rough.kill("SIGKILL");
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });
});
