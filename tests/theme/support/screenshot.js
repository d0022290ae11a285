// Screenshot of the theme's components on a plain page in Debian's Chromium (for the README):
//   node tests/theme/support/screenshot.js out.png [--scheme light|dark] [--width 390] [--ingest URL]
//     [--countdown] [--notice] [--locale en-GB] [--timezone Europe/Paris] (the reader's, for the countdown)
// Without --ingest the page's own stub ingest reports the stream offline (and one LIVE list badge);
// with --ingest (a running ingest, started with --allow-origin for this page) the player plays it and
// the list row, mapped to the same stream, shows the LIVE badge while it is live. --countdown gives the
// show topic a calendar event starting in 2 h 13 min; --notice turns on the "Live now" notice for the
// other (live) show.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { buildPreviewScript, startPreviewServer } from "./preview-page.js";
import { repoRoot } from "./theme-files.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scheme: { type: "string", default: "light" },
    width: { type: "string", default: "390" },
    ingest: { type: "string" },
    stream: { type: "string", default: "test" },
    countdown: { type: "boolean", default: false },
    notice: { type: "boolean", default: false },
    locale: { type: "string", default: "en-GB" },
    timezone: { type: "string", default: "Europe/Paris" },
  },
});
const out = positionals[0] ?? "live-shows.png";
const stream = values.stream;
const preview = await buildPreviewScript();
const server = await startPreviewServer({
  script: preview.file,
  bundle: () => readFile(path.join(repoRoot, "assets/live-player.js"), "utf8"),
  scheme: values.scheme === "dark" ? "dark" : "light",
  settings: {
    show_streams: [{ tags: ["show"], stream }, { tags: ["open-stage"], stream: values.ingest ? stream : "other" }],
    ...(values.ingest ? { ingest_base_url: values.ingest } : {}),
    ...(values.notice ? { live_now_notice: true } : {}),
  },
  streams: { [stream]: { live: false }, other: { live: true, viewers: 12, startedAt: new Date().toISOString() } },
  topic: {
    id: 1,
    title: "Friday night show",
    tags: [{ id: 7, name: "show", slug: "show" }],
    ...(values.countdown ? { event_starts_at: new Date(Date.now() + (2 * 60 + 12) * 60_000 + 30_000).toISOString() } : {}),
  },
  listTopics: [{ id: 2, title: "Open stage: tonight", tags: ["open-stage"] }],
  forumTopics: [{ id: 2, title: "Open stage: tonight", slug: "open-stage-tonight", created_at: new Date().toISOString(), tags: ["open-stage"] }],
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
});
try {
  const page = await browser.newPage({
    viewport: { width: Number(values.width), height: 700 },
    deviceScaleFactor: 2,
    locale: values.locale,
    timezoneId: values.timezone,
  });
  await page.goto(server.url);
  await page.waitForSelector(".live-show-frame:not([data-state=loading])", { timeout: 30_000 });
  if (values.notice) await page.waitForSelector(".live-show-notice", { timeout: 10_000 });
  await page.waitForTimeout(values.ingest ? 5_000 : 500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
  await preview.remove();
}
