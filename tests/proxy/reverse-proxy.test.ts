// The shipped nginx site (ingest/deploy/nginx/live-shows.conf), run for real with TLS on loopback in
// front of the real ingest with a real ffmpeg publisher: the path stays whole, held LL-HLS requests
// are answered through the proxy, headers pass unchanged, media bytes are identical, and the player
// bundle plays through it in Chromium.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseResourceName } from "../../ingest/src/hls/resource-names.js";
import { describeWithChromium, launchChromium } from "../e2e/support/chromium.js";
import { PageServer } from "../e2e/support/page-server.js";
import { PlayerPage } from "../e2e/support/player-page.js";
import { publish, startTestIngest, until, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { parseM3u8, type ParsedPlaylist } from "../ingest/hls/parse-m3u8.js";
import { get, type Reply } from "../ingest/http/http-client.js";
import { originRequests } from "./support/ingest.js";
import { describeWithNginx, Nginx } from "./support/nginx.js";
import { freePort, renderShipped } from "./support/shipped.js";
import { selfSignedCertificate, type TestCertificate } from "./support/tls.js";

describeWithNginx("nginx reverse proxy (ingest/deploy/nginx/live-shows.conf) in front of the ingest", () => {
  let pages: PageServer;
  let pageOrigin: string;
  let t: TestIngest;
  let nginx: Nginx;
  let tls: TestCertificate;
  let proxy: string;
  let publisher: Publisher | null = null;

  const viaProxy = (pathAndQuery: string, options: Parameters<typeof get>[1] = {}) =>
    get(`${proxy}${pathAndQuery}`, { ca: tls.cert, ...options });
  const playlistPath = () => `/live/${t.stream}/index.m3u8`;
  const parse = (reply: Reply): ParsedPlaylist => {
    expect(reply.status, reply.text).toBe(200);
    const { manifest, warnings } = parseM3u8(reply.text);
    expect(warnings, reply.text).toEqual([]);
    return manifest;
  };
  const hint = (manifest: ParsedPlaylist) => {
    const uri = manifest.preloadSegment?.preloadHints?.find((h) => h.type === "PART")?.uri ?? "";
    const name = parseResourceName(uri);
    if (name?.kind !== "part") throw new Error(`no part preload hint: ${uri}`);
    return { msn: name.msn, part: name.part };
  };
  /** Every part URI of a playlist, oldest first. */
  const partUris = (m: ParsedPlaylist) =>
    [...m.segments.flatMap((s) => s.parts ?? []), ...(m.preloadSegment?.parts ?? [])].map((p) => p.uri);

  beforeAll(async () => {
    pages = new PageServer();
    await pages.start();
    pageOrigin = new URL(pages.pageUrl("no worker-src")).origin;
    t = await startTestIngest(["--allow-origin", pageOrigin, "--grace-s", "60"]);
    const port = await freePort();
    proxy = `https://127.0.0.1:${port}`;
    nginx = await Nginx.create();
    tls = await selfSignedCertificate(nginx.dir);
    const site = await renderShipped("nginx/live-shows.conf", [
      ["listen 443 ssl http2;", `listen 127.0.0.1:${port} ssl http2;`],
      ["listen [::]:443 ssl http2;", ""],
      ["/etc/letsencrypt/live/live.example.org/fullchain.pem", tls.certFile],
      ["/etc/letsencrypt/live/live.example.org/privkey.pem", tls.keyFile],
      ["server 127.0.0.1:8080;", `server 127.0.0.1:${t.ingest.httpPort};`],
    ]);
    await nginx.start({ site, ports: [port] });
    publisher = publish(t.rtmpUrl(), 120, { videoBitrate: "800k" });
    await until(
      "two complete segments through the proxy",
      async () => {
        const reply = await viaProxy(playlistPath());
        return reply.status === 200 && parseM3u8(reply.text).manifest.segments.length >= 2;
      },
      30_000,
      250,
      "throw",
    );
  });

  afterAll(async () => {
    await publisher?.kill();
    await nginx?.stop();
    await t?.close();
    await pages?.close();
  });

  it("keeps the path whole: playlist, status, preview page and the /live redirect", async () => {
    const reply = await viaProxy(playlistPath());
    const manifest = parse(reply);
    expect(reply.headers["content-type"]).toBe("application/vnd.apple.mpegurl");
    expect(reply.headers["cache-control"]).toBe("public, max-age=1");
    expect(manifest.partInf?.partTarget).toBeGreaterThan(0);
    expect(manifest.serverControl?.canBlockReload).toBe(true);

    const all = await viaProxy("/live/status.json");
    expect(all.status).toBe(200);
    expect(all.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(all.text).streams).toMatchObject([{ name: t.stream, live: true, playlist: `${t.stream}/index.m3u8` }]);
    const one = await viaProxy(`/live/${t.stream}/status.json`);
    expect(JSON.parse(one.text)).toMatchObject({ name: t.stream, live: true, playlist: "index.m3u8" });

    const preview = await viaProxy("/live/");
    expect(preview.status).toBe(200);
    expect(preview.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(preview.headers["content-security-policy"]).toBeTruthy();

    const bare = await viaProxy("/live");
    expect(bare.status).toBe(301);
    expect(new URL(String(bare.headers.location), proxy).pathname).toBe("/live/");

    const legacy = await viaProxy(`/live/${t.stream}.m3u8`);
    expect(legacy.status).toBe(308);
    expect(legacy.headers.location).toBe(playlistPath());
  });

  it("does not publish the operations endpoints", async () => {
    for (const path of ["/metrics", "/healthz", "/", "/livestream"]) {
      expect((await viaProxy(path)).status, path).toBe(404);
    }
    expect((await get(`${t.origin}/healthz`)).status).toBe(200);
  });

  it("passes init, parts and segments byte for byte, with their headers and ranges", async () => {
    const manifest = parse(await viaProxy(playlistPath()));
    const view = t.view();
    const initUri = manifest.segments[0]!.map!.uri;
    const init = await viaProxy(`/live/${t.stream}/${initUri}`);
    const initName = parseResourceName(initUri);
    expect(initName?.kind).toBe("init");
    expect(init.body.equals(Buffer.from(view.getInit((initName as { id: number }).id)!))).toBe(true);

    const segmentUri = manifest.segments.at(-1)!.uri;
    const segmentName = parseResourceName(segmentUri) as { msn: number };
    const segment = await viaProxy(`/live/${t.stream}/${segmentUri}`);
    expect(segment.status).toBe(200);
    expect(segment.body.equals(Buffer.from(view.getSegment(segmentName.msn)!))).toBe(true);

    const uris = partUris(manifest).slice(-6);
    for (const uri of uris) {
      const name = parseResourceName(uri) as { msn: number; part: number };
      const part = await viaProxy(`/live/${t.stream}/${uri}`);
      expect(part.status, uri).toBe(200);
      expect(part.headers["content-type"]).toBe("video/mp4");
      expect(part.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(part.headers["access-control-allow-origin"]).toBe(pageOrigin);
      expect(part.body.equals(Buffer.from(view.getPart(name.msn, name.part)!)), uri).toBe(true);
    }

    const ranged = await viaProxy(`/live/${t.stream}/${uris.at(-1)!}`, { headers: { Range: "bytes=8-99" } });
    expect(ranged.status).toBe(206);
    const whole = (await viaProxy(`/live/${t.stream}/${uris.at(-1)!}`)).body;
    expect(ranged.body.equals(whole.subarray(8, 100))).toBe(true);
    expect(ranged.headers["content-range"]).toBe(`bytes 8-99/${whole.length}`);
  });

  it("holds blocking playlist reloads and the next part through the proxy until they exist", async () => {
    const manifest = parse(await viaProxy(playlistPath()));
    const next = hint(manifest);
    const started = performance.now();
    const [blocking, part] = await Promise.all([
      viaProxy(`${playlistPath()}?_HLS_msn=${next.msn}&_HLS_part=${next.part}`),
      viaProxy(`/live/${t.stream}/part-${next.msn}-${next.part}.m4s`),
    ]);
    const heldMs = performance.now() - started;
    const updated = parse(blocking);
    expect(blocking.headers["cache-control"]).toBe("public, max-age=1");
    expect(blocking.headers["access-control-allow-origin"]).toBe(pageOrigin);
    const listed = partUris(updated);
    const newSegment = updated.segments.some((s) => (parseResourceName(s.uri) as { msn: number }).msn >= next.msn);
    expect(listed.includes(`part-${next.msn}-${next.part}.m4s`) || newSegment, updated.segments.length.toString()).toBe(true);
    // The hinted part was held and answered (or never existed because a keyframe began a new segment).
    expect([200, 404]).toContain(part.status);
    if (part.status === 200) expect(part.body.equals(Buffer.from(t.view().getPart(next.msn, next.part)!))).toBe(true);

    // The first part of the next segment: held until the next keyframe, up to a GOP (2 s) away.
    const after = hint(updated);
    const segmentStart = { msn: after.part === 0 ? after.msn : after.msn + 1, part: 0 };
    const longStart = performance.now();
    const long = parse(await viaProxy(`${playlistPath()}?_HLS_msn=${segmentStart.msn}&_HLS_part=0`));
    const longHeldMs = performance.now() - longStart;
    expect(partUris(long)).toContain(`part-${segmentStart.msn}-0.m4s`);
    console.info(`held through nginx: next part ${heldMs.toFixed(0)} ms, next segment's first part ${longHeldMs.toFixed(0)} ms`);
  });

  it("passes CORS headers and answers preflights and viewer heartbeats", async () => {
    const preflight = await viaProxy(`/live/${t.stream}/viewers`, {
      method: "OPTIONS",
      headers: { Origin: pageOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(pageOrigin);
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
    const status = await viaProxy(`/live/${t.stream}/status.json`, { headers: { Origin: pageOrigin } });
    expect(status.headers["access-control-allow-origin"]).toBe(pageOrigin);
    expect(status.headers["access-control-expose-headers"]).toContain("Retry-After");

    const beat = await viaProxy(`/live/${t.stream}/viewers`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", Origin: pageOrigin },
      body: JSON.stringify({ id: "proxy-test-viewer-0001" }),
    });
    expect(beat.status).toBe(204);
    const after = JSON.parse((await get(`${t.origin}/live/${t.stream}/status.json`)).text);
    expect(after.viewers).toBeGreaterThanOrEqual(1);
  });

  describeWithChromium("the player bundle in Chromium through the proxy", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium(["--ignore-certificate-errors"]);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("plays: the state turns live, currentTime advances, no 4xx, no CSP violation", async () => {
      const page = await PlayerPage.open(browser, pages, "no worker-src");
      try {
        await page.mount({ baseUrl: `${proxy}/live`, stream: t.stream });
        await page.waitForState("live", 20_000);
        const video = await page.waitForPlayback(4, 30_000);
        expect(video.videoWidth).toBe(640);
        expect(page.httpErrors).toEqual([]);
        expect((await page.record()).csp).toEqual([]);
        const latency = await page.latency();
        console.info(
          `player through nginx+TLS: ${video.total} frames, ${video.dropped} dropped, ${latency?.toFixed(2) ?? "?"} s behind the ingest clock`,
        );
        await page.destroy();
      } finally {
        await page.close();
      }
    });
  });

  it("passes the ingest's own 503 when a held reload times out (proxy_read_timeout is longer)", async () => {
    const before = await originRequests(t.ingest);
    await publisher!.kill();
    publisher = null;
    // Once the publisher is gone no new part comes (the show waits for a reconnect within --grace-s).
    const stalled = await until(
      "the playlist to stop growing",
      async () => {
        const a = hint(parse(await viaProxy(playlistPath())));
        await new Promise((r) => setTimeout(r, 1_200));
        const b = hint(parse(await viaProxy(playlistPath())));
        return a.msn === b.msn && a.part === b.part ? b : undefined;
      },
      20_000,
      100,
      "throw",
    );
    const reply = await viaProxy(`${playlistPath()}?_HLS_msn=${stalled.msn}&_HLS_part=${stalled.part}`);
    expect(reply.status).toBe(503);
    expect(reply.text).toBe("playlist update not available in time\n");
    expect(reply.headers["retry-after"]).toBe("1");
    expect(reply.headers["cache-control"]).toBe("public, max-age=1");
    const after = await originRequests(t.ingest);
    expect(after.playlist! - before.playlist!).toBeGreaterThan(0);
    expect(await nginx.errorLog()).not.toMatch(/upstream timed out/);
  });
});
