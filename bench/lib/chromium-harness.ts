import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { registerCleanup } from "./child-processes.js";
import { PROBE_SCRIPT_PATH } from "./clock-check.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BUNDLE_PATH = `${REPO}assets/live-player.js`;
const STOCK_VIDEOJS_PATH = `${REPO}node_modules/video.js/dist/video.min.js`;

/** "bundle": our assets/live-player.js; "videojs": stock video.js 8 + VHS, for comparison. */
export type PlayerKind = "bundle" | "videojs";

export interface JoinResult {
  timeToFirstFrameMs: number | null;
  latenciesMs: number[];
  /** per frame: media buffered ahead of the playhead */
  bufferAheadMs: number[];
  badFrames: number;
  callbacks: number;
  missedCallbacks: number;
  stalls: number;
  stallMs: number;
  waitingBeforeFirstFrame: number;
  framesDecoded: number | null;
  framesDropped: number | null;
  errors: string[];
  /** the picture's height at the end (which rendition played) */
  videoHeight: number | null;
  /** Date.now() − (performance.timeOrigin + performance.now()) in the page at the end */
  clockOffsetMs: number;
  httpErrors: string[];
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head>
<body style="margin:0;background:#000"><div id="player" style="width:640px;height:360px"></div>
<script src="/player.js"></script><script src="/probe.js"></script></body></html>`;

/** Headless Debian Chromium playing a stream with the real player bundle, one fresh context per join. */
export class ChromiumHarness {
  private server: Server | undefined;
  private browser: Browser | undefined;
  private unregister: (() => void) | undefined;
  origin = "";

  /** `bundlePath`: another build of the player (e.g. an older commit's assets/live-player.js), for comparisons. */
  constructor(
    private readonly player: PlayerKind,
    private readonly bundlePath = BUNDLE_PATH,
  ) {}

  async start(): Promise<void> {
    const playerPath = this.player === "bundle" ? this.bundlePath : STOCK_VIDEOJS_PATH;
    if (!existsSync(playerPath))
      throw new Error(
        `player script missing: ${playerPath}${this.player === "bundle" ? " (build the bundle, or pass --player videojs)" : ""}`,
      );
    const files: Record<string, [string, string]> = {
      "/": ["text/html", PAGE],
      "/player.js": ["text/javascript", readFileSync(playerPath, "utf8")],
      "/probe.js": ["text/javascript", readFileSync(PROBE_SCRIPT_PATH, "utf8")],
    };
    this.server = createServer((req, res) => {
      const f = files[req.url ?? ""];
      res.writeHead(f ? 200 : 404, { "content-type": f?.[0] ?? "text/plain", "cache-control": "no-store" });
      res.end(f?.[1] ?? "not found");
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    const addr = this.server.address();
    this.origin = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    this.browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      // Playwright's own SIGINT handler would exit the process before our cleanup stops nginx/ffmpeg.
      handleSIGINT: false,
      handleSIGTERM: false,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
      ],
    });
    this.unregister = registerCleanup(() => this.close());
  }

  /** Opens the page, mounts the player at once, watches for watchMs, returns what the probe saw. */
  /** `quality`: a rendition to pin (e.g. "240p"); undefined: the player's Auto. */
  async measureJoin(baseUrl: string, stream: string, watchMs: number, quality?: string): Promise<JoinResult> {
    if (!this.browser) throw new Error("harness not started");
    const context = await this.browser.newContext({ viewport: { width: 800, height: 450 } });
    try {
      const page = await context.newPage();
      const httpErrors: string[] = [];
      page.on("response", (r) => {
        if (r.status() >= 400) httpErrors.push(`${r.status()} ${r.url()}`);
      });
      page.on("requestfailed", (r) => httpErrors.push(`failed ${r.url()} ${r.failure()?.errorText ?? ""}`));
      await page.goto(`${this.origin}/`, { waitUntil: "load", timeout: 20_000 });
      await page.evaluate((o) => (window as any).LatencyProbe.start(o), { baseUrl, stream, quality });
      await page.waitForTimeout(watchMs);
      const result = (await page.evaluate(() => (window as any).LatencyProbe.results())) as Omit<JoinResult, "httpErrors">;
      return { ...result, httpErrors };
    } finally {
      await context.close();
    }
  }

  async close(): Promise<void> {
    this.unregister?.();
    this.unregister = undefined;
    await this.browser?.close().catch(() => {});
    this.browser = undefined;
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}
