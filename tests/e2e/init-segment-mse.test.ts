import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { build, type Rolldown } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Fmp4UnitReader } from "../../ingest/src/mp4/fmp4-units.js";
import { parseInit } from "../../ingest/src/mp4/fmp4-reader.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PageServer } from "./support/page-server.js";

const root = path.resolve(import.meta.dirname, "../..");

// The mechanism behind "no freeze on join", in real Chromium MSE without VHS: an init segment
// appended again before a part that does not start with a keyframe makes Chromium drop frames
// until the next keyframe; the filter keeps such repeats out.
describeWithChromium("init segment filter in Chromium's MSE", () => {
  let browser: Browser;
  let pages: PageServer;
  let page: Page;
  let mime = "";
  let init = "";
  let fragments: string[] = [];

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mse-fmp4-"));
    try {
      const file = path.join(dir, "out.mp4");
      // 2 s of 30 fps video, keyframe every second, 200 ms fragments: parts 0 and 5 are independent
      // prettier-ignore
      await promisify(execFile)("ffmpeg", [
        "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "2",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
        "-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "200000", file,
      ]);
      const units = new Fmp4UnitReader().push(await readFile(file));
      const initBytes = units.find((unit) => unit.kind === "init")!.bytes;
      mime = `video/mp4; codecs="${parseInit(initBytes).tracks[0]!.codec}"`;
      init = initBytes.toString("base64");
      fragments = units.filter((unit) => unit.kind === "fragment").map((unit) => unit.bytes.toString("base64"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(fragments).toHaveLength(10);

    const output = (await build({
      configFile: false,
      logLevel: "silent",
      build: {
        write: false,
        minify: false,
        lib: { entry: path.join(root, "player/src/init-segment-dedupe.ts"), formats: ["iife"], name: "InitSegmentDedupe" },
      },
    })) as Rolldown.RolldownOutput[];
    const code = output[0]!.output[0].code;

    pages = new PageServer();
    await pages.start();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(pages.pageUrl("worker-src 'self'"));
    await page.evaluate(code);
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
  });

  /** Appends init+fragment for every fragment, as VHS does after each live playlist refresh; returns buffered ranges. */
  async function appendAll(withFilter: boolean, initOnlyTwice = false): Promise<[number, number][]> {
    return page.evaluate(
      async ({ withFilter, initOnlyTwice, mime, init, fragments }) => {
        const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const concat = (a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> => {
          const out = new Uint8Array(a.byteLength + b.byteLength);
          out.set(a);
          out.set(b, a.byteLength);
          return out;
        };
        const video = document.createElement("video");
        document.body.append(video);
        const mediaSource = new MediaSource();
        if (withFilter) (window as any).InitSegmentDedupe.filterInitSegments(mediaSource);
        video.src = URL.createObjectURL(mediaSource);
        await new Promise((resolve) => mediaSource.addEventListener("sourceopen", resolve, { once: true }));
        const buffer = mediaSource.addSourceBuffer(mime);
        const append = (data: Uint8Array<ArrayBuffer>) =>
          new Promise<void>((resolve, reject) => {
            buffer.addEventListener("updateend", () => resolve(), { once: true });
            buffer.addEventListener("error", () => reject(new Error("append failed")), { once: true });
            buffer.appendBuffer(data);
          });
        const initBytes = bytes(init);
        if (initOnlyTwice) {
          await append(initBytes);
          await append(initBytes); // nothing left after the filter: a zero-length append
        }
        for (const fragment of fragments) await append(concat(initBytes, bytes(fragment)));
        const ranges: [number, number][] = [];
        for (let i = 0; i < buffer.buffered.length; i++) ranges.push([buffer.buffered.start(i), buffer.buffered.end(i)]);
        video.remove();
        URL.revokeObjectURL(video.src);
        return ranges;
      },
      { withFilter, initOnlyTwice, mime, init, fragments },
    );
  }

  it("loses the frames up to the next keyframe when the same init is appended again (the freeze)", async () => {
    const ranges = await appendAll(false);
    const covered = ranges.reduce((sum, [start, end]) => sum + end - start, 0);
    console.info(`without the filter: buffered ${JSON.stringify(ranges)}`);
    expect(covered).toBeLessThan(1.5);
  });

  it("buffers every frame, in one range, with the filter", async () => {
    const ranges = await appendAll(true);
    expect(ranges).toHaveLength(1);
    expect(ranges[0]![1] - ranges[0]![0]).toBeGreaterThan(1.9);
  });

  it("completes an append that the filter emptied", async () => {
    const ranges = await appendAll(true, true);
    expect(ranges).toHaveLength(1);
    expect(ranges[0]![1] - ranges[0]![0]).toBeGreaterThan(1.9);
  });
});
