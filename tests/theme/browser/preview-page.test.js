// @vitest-environment node
// The theme's components, compiled SCSS and player bundle in real Chromium (Debian's), on a plain
// page: what jsdom cannot show (layout, IntersectionObserver, fixed docking, media queries).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { buildPreviewScript, startPreviewServer } from "../support/preview-page.js";
import { repoRoot } from "../support/theme-files.js";

const SHOW = { id: 1, title: "Friday night show", tags: [{ id: 7, name: "show", slug: "show" }] };
const SETTINGS = { show_streams: [{ tags: ["show"], stream: "main" }] };
const PHONE = { width: 390, height: 844 };

// A classic script standing in for the bundle when a test needs the "live" state without media.
const LIVE_BUNDLE = `window.LiveShowsPlayer = { version: "test", mount(element, options) {
  const video = document.createElement("div");
  video.className = "test-video";
  video.style.cssText = "width: 100%; height: 100%";
  element.append(video);
  setTimeout(() => options.onStateChange("live"), 0);
  return { destroy() { video.remove(); } };
} };`;

let preview;
let browser;
let server;
let page;
const errors = [];

beforeAll(async () => {
  preview = await buildPreviewScript();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await preview?.remove();
});

afterEach(async () => {
  await page?.close();
  await server?.close();
  page = undefined;
  server = undefined;
  errors.length = 0;
});

async function open(options, viewport = PHONE) {
  server = await startPreviewServer({ script: preview.file, settings: SETTINGS, topic: SHOW, ...options });
  page = await browser.newPage({ viewport });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  await page.goto(server.url, { waitUntil: "domcontentloaded" }); // "load" would wait for the bundle
}

const rectOf = (selector) => page.$eval(selector, (element) => element.getBoundingClientRect().toJSON());

describe("in real Chromium", () => {
  test("the 16:9 box is there before the bundle loads, and loading it shifts nothing", async () => {
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    const realBundle = await readFile(path.join(repoRoot, "assets/live-player.js"), "utf8");
    await open({ bundle: async () => (await gate, realBundle) });

    await page.waitForSelector(".live-show-frame__box");
    await page.evaluate(() => {
      window.layoutShift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.layoutShift += entry.value;
      }).observe({ type: "layout-shift" });
    });
    const box = await rectOf(".live-show-frame__box");
    const post = await rectOf(".first-post");
    expect(box.width).toBeGreaterThan(300);
    expect(Math.abs(box.height - (box.width * 9) / 16)).toBeLessThanOrEqual(1);

    release();
    await page.waitForSelector(".live-show-frame[data-state=offline] .live-show-frame__stage .live-show-player");
    await page.waitForTimeout(300); // let any late layout happen before measuring
    expect(await rectOf(".live-show-frame__box")).toEqual(box);
    expect(await rectOf(".first-post")).toEqual(post);
    expect(await page.evaluate(() => window.layoutShift)).toBe(0);
    expect(errors).toEqual([]);
  });

  test("inside core's inline outlet <span>: only phrasing content, laid out as a column-wide block", async () => {
    await open({ bundle: async () => LIVE_BUNDLE, settings: { ...SETTINGS, docked_mini_player: true } });
    await page.waitForSelector(".live-show-frame[data-state=live]");
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForSelector(".live-show-frame__dock-controls");
    // The theme's own markup (the bundle owns what is inside the stage) in the state with the most of it.
    const tags = await page.$$eval("#topic-above-posts *", (elements) => [
      ...new Set(elements.filter((e) => !e.parentElement.closest(".live-show-frame__stage")).map((e) => e.localName)),
    ]);
    expect(tags.sort()).toEqual(["button", "span"]);
    const wrapper = await rectOf(".posts-wrapper");
    const frame = await rectOf(".live-show-frame");
    expect([frame.left, frame.width]).toEqual([wrapper.left, wrapper.width]);
    expect(await page.$eval(".live-show-frame", (e) => [e.getAttribute("role"), e.getAttribute("aria-label")])).toEqual([
      "region",
      "Live show",
    ]);
    expect(errors).toEqual([]);
  });

  test("docks in a corner while live and scrolled away; keyboard controls return or close it", async () => {
    await open({ bundle: async () => LIVE_BUNDLE, settings: { ...SETTINGS, docked_mini_player: true } });
    await page.waitForSelector(".live-show-frame[data-state=live]");
    const box = await rectOf(".live-show-frame__box");
    expect(await page.$(".live-show-frame__dock.--docked")).toBeNull();

    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForSelector(".live-show-frame__dock.--docked");
    await page.waitForFunction(() => document.getAnimations().length === 0); // the dock slides in
    const dock = await rectOf(".live-show-frame__dock");
    expect(dock.right).toBeLessThanOrEqual(PHONE.width);
    expect(dock.bottom).toBeLessThanOrEqual(PHONE.height);
    expect(dock.width).toBeLessThanOrEqual(PHONE.width - 16);
    expect(dock.width).toBeGreaterThan(PHONE.width / 2);
    expect((await rectOf(".live-show-frame__box")).height).toBe(box.height); // the placeholder keeps its space

    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Back to the show");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".live-show-frame__dock:not(.--docked)");
    // scrolled (smoothly) until the whole player is in view again
    await page.waitForFunction(() => {
      const { top, bottom } = document.querySelector(".live-show-frame__box").getBoundingClientRect();
      return top >= 0 && bottom <= window.innerHeight;
    });

    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForSelector(".live-show-frame__dock.--docked");
    await page.focus(".live-show-frame__close");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".live-show-frame__dock:not(.--docked)");
    await page.waitForTimeout(200);
    expect(await page.$(".live-show-frame__dock.--docked")).toBeNull(); // stays closed while away
    expect(errors).toEqual([]);
  });

  test("respects prefers-reduced-motion", async () => {
    await open({
      bundle: async () => LIVE_BUNDLE,
      settings: { ...SETTINGS, docked_mini_player: true },
      streams: { main: { live: true } },
      listTopics: [{ id: 2, title: "Friday night show", tags: ["show"] }],
    });
    await page.waitForSelector(".live-show-list-badge");
    await page.waitForSelector(".live-show-frame[data-state=live]");
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForSelector(".live-show-frame__dock.--docked");
    const animations = () =>
      page.evaluate(() => [
        getComputedStyle(document.querySelector(".live-show-list-badge"), "::before").animationName,
        getComputedStyle(document.querySelector(".live-show-frame__dock")).animationName,
      ]);
    expect(await animations()).toEqual(["live-show-pulse", "live-show-dock-in"]);
    await page.emulateMedia({ reducedMotion: "reduce" });
    expect(await animations()).toEqual(["none", "none"]);
    expect(errors).toEqual([]);
  });

  test("the live-now notice: one slim line on a phone, title cut, keyboard reaches link and close", async () => {
    const longTitle = "Friday night show: the whole band live from the old theatre, with guests and a long encore";
    await open({
      bundle: async () => LIVE_BUNDLE,
      settings: { ...SETTINGS, live_now_notice: true },
      streams: { main: { live: true, startedAt: "2025-12-12T19:00:00.000Z" } },
      forumTopics: [{ id: 41, title: longTitle, slug: "friday-night-show", created_at: "2025-12-10T09:00:00Z", tags: ["show"] }],
    });
    await page.waitForSelector(".live-show-notice");
    const notice = await rectOf(".live-show-notice");
    expect(notice.right).toBeLessThanOrEqual(PHONE.width);
    expect(notice.height).toBeLessThan(60); // one line, not the title wrapped
    expect(await page.$eval(".live-show-notice__title", (title) => title.scrollWidth > title.clientWidth)).toBe(true);
    const close = await rectOf(".live-show-notice__dismiss");
    expect(close.width).toBeGreaterThanOrEqual(44);
    expect(close.height).toBeGreaterThanOrEqual(44);

    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("href"))).toBe("/t/friday-night-show/41");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toContain("live-show-notice__dismiss");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".live-show-notice", { state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main-container");
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.waitForSelector(".live-show-frame[data-state=live]");
    await page.waitForTimeout(300);
    expect(await page.$(".live-show-notice")).toBeNull(); // remembered for this show
    expect(errors).toEqual([]);
  });

  test("the event's countdown fits the 16:9 box of a phone", async () => {
    const realBundle = await readFile(path.join(repoRoot, "assets/live-player.js"), "utf8");
    const startsAt = new Date(Date.now() + (2 * 60 + 12) * 60_000 + 30_000).toISOString();
    await open({ bundle: async () => realBundle, topic: { ...SHOW, event_starts_at: startsAt } });
    await page.waitForSelector(".live-show-schedule[data-phase=upcoming]");
    expect(await page.textContent(".live-show-schedule")).toMatch(/— in 2 h 1[23] min/); // 2 h 12.5 min minus the page's load
    const box = await rectOf(".live-show-frame__box");
    const text = await rectOf(".live-show-schedule__hint");
    expect(text.bottom).toBeLessThanOrEqual(box.bottom);
    expect(text.right).toBeLessThanOrEqual(box.right);
    expect(errors).toEqual([]);
  });
});
