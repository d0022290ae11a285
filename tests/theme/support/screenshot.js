// Screenshot of the theme's components on a plain page in Debian's Chromium (for the README):
//   node tests/theme/support/screenshot.js out.png [--scheme light|dark] [--width 390] [--ingest URL]
// Without --ingest the page's own stub ingest reports the stream offline (and one LIVE list badge);
// with --ingest (a running ingest, started with --allow-origin for this page) the player plays it and
// the list row, mapped to the same stream, shows the LIVE badge while it is live.
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
  },
  streams: { [stream]: { live: false }, other: { live: true, viewers: 12 } },
  topic: { id: 1, title: "Friday night show", tags: [{ id: 7, name: "show", slug: "show" }] },
  listTopics: [{ id: 2, title: "Open stage: tonight", tags: ["open-stage"] }],
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(values.width), height: 700 }, deviceScaleFactor: 2 });
  await page.goto(server.url);
  await page.waitForSelector(".live-show-frame:not([data-state=loading])", { timeout: 30_000 });
  await page.waitForTimeout(values.ingest ? 5_000 : 500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
  await preview.remove();
}
