import type { Browser, Page } from "playwright-core";
import type { CspVariant, PageServer } from "./page-server.js";

export interface PageRecord {
  csp: string[];
  states: { state: string; at: number }[];
  /** Delays (ms) of the timeouts still pending. */
  timers: number[];
  intervals: number;
  xhrOpen: number;
  fetchOpen: number;
  seeks: { at: number; time: number }[];
  playing: number[];
  waiting: number[];
  rates: { at: number; rate: number }[];
  appends: { type: string; bytes: number; at: number }[];
  firstFrameAt: number | null;
  mountedAt: number | null;
}

export interface VideoSample {
  count: number;
  currentTime: number;
  videoWidth: number;
  paused: boolean;
  muted: boolean;
  dropped: number;
  total: number;
  buffered: [number, number][];
}

/** One browser tab on the test page, with helpers to read what the page recorded. */
export class PlayerPage {
  readonly httpErrors: string[] = [];
  readonly consoleErrors: string[] = [];

  private constructor(readonly page: Page) {
    page.on("response", (response) => {
      if (response.status() >= 400) this.httpErrors.push(`${response.status()} ${response.url()}`);
    });
    page.on("console", (message) => {
      if (message.type() === "error") this.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => this.consoleErrors.push(String(error)));
  }

  static async open(browser: Browser, server: PageServer, variant: CspVariant): Promise<PlayerPage> {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    const player = new PlayerPage(page);
    await page.goto(server.pageUrl(variant));
    return player;
  }

  /** Wraps a page of the caller's own browser context (cookies set by the test) and opens `url` in it. */
  static async visit(page: Page, url: string): Promise<PlayerPage> {
    const player = new PlayerPage(page);
    await page.goto(url);
    return player;
  }

  async mount(options: Record<string, unknown>): Promise<void> {
    await this.page.evaluate((opts) => (window as any).__mount(opts), options);
  }

  async destroy(): Promise<void> {
    await this.page.evaluate(() => (window as any).__handle.destroy());
  }

  async record(): Promise<PageRecord> {
    return this.page.evaluate(() => {
      const t = (window as any).__test;
      return { ...t, timers: [...t.timers.values()], intervals: t.intervals.size };
    });
  }

  async states(): Promise<string[]> {
    return (await this.record()).states.map((entry) => entry.state);
  }

  async waitForState(state: string, timeoutMs: number): Promise<void> {
    await this.page.waitForFunction((wanted) => (window as any).__test.states.at(-1)?.state === wanted, state, {
      timeout: timeoutMs,
      polling: 100,
    });
  }

  /** The tech <video> element of the (single) mounted player. */
  async video(): Promise<VideoSample> {
    return this.page.evaluate(() => {
      const videos = document.querySelectorAll("video");
      const video = videos[0];
      if (!video) return { count: 0, currentTime: 0, videoWidth: 0, paused: true, muted: false, dropped: 0, total: 0, buffered: [] };
      const quality = video.getVideoPlaybackQuality();
      const buffered: [number, number][] = [];
      for (let i = 0; i < video.buffered.length; i++) buffered.push([video.buffered.start(i), video.buffered.end(i)]);
      return {
        count: videos.length,
        currentTime: video.currentTime,
        videoWidth: video.videoWidth,
        paused: video.paused,
        muted: video.muted,
        dropped: quality.droppedVideoFrames,
        total: quality.totalVideoFrames,
        buffered,
      };
    });
  }

  /** Waits until currentTime has advanced by `seconds` and returns the last sample. */
  async waitForPlayback(seconds: number, timeoutMs: number): Promise<VideoSample> {
    const start = (await this.video()).currentTime;
    await this.page.waitForFunction((target) => (document.querySelector("video")?.currentTime ?? 0) >= target, start + seconds, {
      timeout: timeoutMs,
      polling: 100,
    });
    return this.video();
  }

  /**
   * Seconds between now and the ingest's wall clock (EXT-X-PROGRAM-DATE-TIME) of the frame on screen,
   * read through video.js's player on its element; null when VHS has no timing for that segment yet.
   */
  async latency(): Promise<number | null> {
    return this.page.evaluate(() => {
      const player = (document.querySelector(".video-js") as any)?.player;
      const media = player?.tech(true)?.vhs?.playlists?.media();
      if (!media) return null;
      const time = player.currentTime();
      for (const segment of media.segments) {
        if (!segment.dateTimeObject || typeof segment.start !== "number") continue;
        if (segment.start <= time && time <= (segment.end ?? segment.start + segment.duration)) {
          return (Date.now() - (segment.dateTimeObject.getTime() + (time - segment.start) * 1000)) / 1000;
        }
      }
      return null;
    });
  }

  /** Mouse movement over the player: video.js shows its control bar only to an active user. */
  async revealControls(): Promise<void> {
    const box = await this.page.locator(".live-show-player").boundingBox();
    if (!box) throw new Error("no player on the page");
    await this.page.mouse.move(box.x + box.width / 3, box.y + box.height / 3);
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
  }

  async text(selector: string): Promise<string> {
    return this.page.$eval(selector, (element) => (element as HTMLElement).innerText.trim());
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
