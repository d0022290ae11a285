// Smoke test in real headless Chromium: stock video.js + VHS (from node_modules, not our bundle)
// plays the ingest's LL-HLS with picture and sound.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, expect, it } from "vitest";
import { describeWithChromium, launchChromium } from "../../e2e/support/chromium.js";
import { getPlaylist, killPublishers, publish, startTestIngest, until, type TestIngest } from "./support.js";

const root = path.resolve(import.meta.dirname, "../../..");
const videojs = readFileSync(path.join(root, "node_modules/video.js/dist/video.min.js"));

function page(playlistUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>ingest smoke</title></head><body>
<video id="v" class="video-js" muted autoplay playsinline width="640" height="360"></video>
<script src="/video.min.js"></script>
<script>
  window.player = videojs("v", { autoplay: "muted", muted: true, html5: { vhs: { overrideNative: true } } });
  window.player.src({ src: ${JSON.stringify(playlistUrl)}, type: "application/x-mpegURL" });
</script></body></html>`;
}

/** Serves the test page and video.js from another origin than the ingest (as the forum does). */
async function startPageServer(html: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
    } else if (req.url === "/video.min.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(videojs);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

let t: TestIngest | null = null;
let browser: Browser | null = null;
let pages: Server | null = null;

afterAll(async () => {
  await browser?.close();
  pages?.close();
  killPublishers();
  await t?.close();
});

describeWithChromium("video.js in Chromium", () => {
  it("plays the ingest's LL-HLS: time advances, picture and audio decode, no HTTP errors", async () => {
    t = await startTestIngest();
    publish(t.rtmpUrl(t.key));
    await until("a complete segment", async () => (await getPlaylist(t!)).manifest.segments.length >= 1, 20_000, 200);
    const playlistUrl = `http://127.0.0.1:${t.ingest.httpPort}/live/${t.stream}/index.m3u8`;
    const served = await startPageServer(page(playlistUrl));
    pages = served.server;

    browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
    const tab = await browser.newPage();
    const failures: string[] = [];
    tab.on("response", (r) => {
      if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
    });
    tab.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
    await tab.goto(served.url);

    const read = () =>
      tab.evaluate(() => {
        const video = document.querySelector("video")!;
        const player = (window as unknown as { player: { tech(unsafe: boolean): { vhs?: any } } }).player;
        const codecs = player.tech(true).vhs?.playlistController_?.sourceUpdater_?.codecs ?? {};
        return {
          currentTime: video.currentTime,
          videoWidth: video.videoWidth,
          videoHeight: video.videoHeight,
          audioBytes: (video as unknown as { webkitAudioDecodedByteCount?: number }).webkitAudioDecodedByteCount ?? null,
          videoBytes: (video as unknown as { webkitVideoDecodedByteCount?: number }).webkitVideoDecodedByteCount ?? null,
          codecs: codecs as { audio?: string; video?: string },
          error: video.error?.message ?? null,
        };
      });
    const first = await until(
      "playback to start",
      async () => {
        const s = await read();
        return s.currentTime > 0.5 ? s : undefined;
      },
      30_000,
      250,
    );
    const later = await until(
      "playback to advance",
      async () => {
        const s = await read();
        return s.currentTime > first.currentTime + 2 ? s : undefined;
      },
      20_000,
      250,
    );
    expect(later.error).toBeNull();
    expect(later.videoWidth).toBe(640);
    expect(later.videoHeight).toBe(360);
    // Muxed fMP4: one SourceBuffer carrying both codecs.
    expect(later.codecs.video?.split(",").sort()).toEqual([expect.stringMatching(/^avc1\./), "mp4a.40.2"]);
    expect(later.audioBytes).toBeGreaterThan(0);
    expect(later.videoBytes).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    const viewerStatus = JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text);
    expect(viewerStatus.state).toBe("live");
  });
});
