// The performers' preview page (/live/) and its two scripts over real HTTP: headers, CSP, caching with
// ETags, gzip, and a server whose player bundle is missing.
import { readFileSync } from "node:fs";
import { Script } from "node:vm";
import { gunzipSync } from "node:zlib";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { HttpServer, type HttpServerOptions } from "../../../ingest/src/http/server.js";
import { acceptsGzip, matchesEtag } from "../../../ingest/src/http/static-asset.js";
import type { LiveStreamView, StreamDirectory, StreamStatusCore } from "../../../ingest/src/streams/stream-view.js";
import { request } from "./http-client.js";

const bundle = readFileSync(new URL("../../../assets/live-player.js", import.meta.url));
const previewScript = readFileSync(new URL("../../../ingest/src/http/preview-script.js", import.meta.url));

// The policy the brief fixes for the page (the player bundle needs blob: media, data: fonts, inline styles).
const expectedCsp =
  "default-src 'none'; script-src 'self'; connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; " +
  "style-src 'self' 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A stream that exists only for its status: the page reads nothing else. */
function statusOnly(name: string, status: Partial<StreamStatusCore> = {}): LiveStreamView {
  const core: StreamStatusCore = {
    name,
    state: "live",
    live: true,
    startedAt: null,
    video: null,
    audio: null,
    warnings: [],
    renditions: [],
    ...status,
  };
  const unused = () => {
    throw new Error("not used by the preview page");
  };
  return {
    name,
    status: () => core,
    ended: false,
    playlist: unused,
    playlistBytes: unused,
    position: unused,
    classify: unused,
    waitFor: unused,
    variants: () => null,
    rendition: unused,
    blockingTimeoutMs: unused,
    getInit: unused,
    getSegment: unused,
    getPart: unused,
  };
}

let server: HttpServer | undefined;
let logs: string[] = [];

async function start(views: LiveStreamView[] = [], options: Partial<HttpServerOptions> = {}): Promise<number> {
  logs = [];
  const directory: StreamDirectory = { get: (name) => views.find((v) => v.name === name), list: () => views };
  const logger = pino({ level: "warn" }, { write: (line: string) => void logs.push(line) });
  server = new HttpServer({ host: "127.0.0.1", port: 0, allowOrigin: "*", logger, directory, ...options });
  return server.start();
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("/live/ preview page", () => {
  it("is a static shell with the strict CSP, scripts from 'self' only, versioned by content", async () => {
    const port = await start([statusOnly("show", { warnings: [{ code: "x", message: "<img src=x onerror=alert(1)>" }] })]);
    const page = await request(port, "/live/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toBe(expectedCsp);
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.text).toContain("<title>Live Shows — preview</title>");
    expect(page.text).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.text).toContain("prefers-color-scheme:dark");

    const scripts = [...page.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toHaveLength(2);
    for (const tag of scripts) expect(tag).toMatch(/^<script src="[a-z]+\.js\?v=[A-Za-z0-9_-]{16}" defer>$/);
    expect(page.text).not.toMatch(/<script>|\son[a-z]+=/i); // no inline script, no event handler attributes
    expect(page.text).not.toContain("<img"); // stream data is not rendered into the page (preview.js uses textContent)

    // The ?v= of each script is its content version, the same as its ETag.
    const [playerSrc, scriptSrc] = scripts.map((tag) => /src="([^"]+)"/.exec(tag)![1]!);
    expect(playerSrc).toMatch(/^player\.js\?/);
    expect(scriptSrc).toMatch(/^preview\.js\?/);
    const player = await request(port, `/live/${playerSrc}`);
    expect(player.headers.etag).toBe(`"${new URL(playerSrc!, "http://x/").searchParams.get("v")}"`);
    const script = await request(port, `/live/${scriptSrc}`);
    expect(script.headers.etag).toBe(`"${new URL(scriptSrc!, "http://x/").searchParams.get("v")}"`);

    // Without JavaScript: the playlist links, nothing else from the status.
    expect(page.text).toMatch(/<noscript>.*<a href="show\/index\.m3u8">show\/index\.m3u8<\/a> \(live\).*<\/noscript>/s);
  });

  it("says there are no streams in the fallback without listing any", async () => {
    const port = await start();
    const page = await request(port, "/live/");
    expect(page.text).toContain('<noscript><p class="notice">This page needs JavaScript to play streams.</p></noscript>');
    expect(page.text).not.toContain("index.m3u8");
  });
});

describe.each([
  ["/live/player.js", bundle],
  ["/live/preview.js", previewScript],
])("%s", (path, file) => {
  it("serves the file as JavaScript, cacheable for 5 minutes, with an ETag and 304 on If-None-Match", async () => {
    const port = await start();
    const reply = await request(port, path);
    expect(reply.status).toBe(200);
    expect(reply.body.equals(file)).toBe(true);
    expect(reply.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(reply.headers["cache-control"]).toBe("public, max-age=300");
    expect(reply.headers["x-content-type-options"]).toBe("nosniff");
    expect(reply.headers.vary).toBe("Accept-Encoding");
    expect(reply.headers["content-encoding"]).toBeUndefined();
    expect(Number(reply.headers["content-length"])).toBe(file.length);
    const etag = reply.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{16}"$/);

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const cached = await request(port, path, { headers: { "If-None-Match": ifNoneMatch } });
      expect(cached.status, ifNoneMatch).toBe(304);
      expect(cached.body.length).toBe(0);
      expect(cached.headers.etag).toBe(etag);
      expect(cached.headers["cache-control"]).toBe("public, max-age=300");
      expect(cached.headers["content-length"]).toBeUndefined();
    }
    expect((await request(port, path, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);

    const head = await request(port, path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(file.length));
  });

  it("gzips for clients that accept it, with its own ETag", async () => {
    const port = await start();
    const plain = await request(port, path);
    const zipped = await request(port, path, { headers: { "Accept-Encoding": "gzip, deflate, br" } });
    expect(zipped.status).toBe(200);
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(zipped.body).equals(file)).toBe(true);
    expect(zipped.body.length).toBeLessThan(file.length / 2);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    // The identity representation's ETag does not validate the gzipped one.
    const gzipHeaders = { "Accept-Encoding": "gzip" };
    expect((await request(port, path, { headers: { ...gzipHeaders, "If-None-Match": plain.headers.etag! } })).status).toBe(200);
    expect((await request(port, path, { headers: { ...gzipHeaders, "If-None-Match": zipped.headers.etag! } })).status).toBe(304);
  });
});

it("preview.js is a classic script that parses", () => {
  expect(() => new Script(previewScript.toString("utf8"), { filename: "preview.js" })).not.toThrow();
});

describe("without the player bundle", () => {
  it("warns once at start; the page says the player is missing and still loads its own script", async () => {
    const missing = new URL("./no-such-live-player.js", import.meta.url);
    const port = await start([statusOnly("show")], { playerBundle: missing });
    const warnings = logs.map((line) => JSON.parse(line) as { level: number; msg: string; file: string });
    expect(warnings).toMatchObject([{ level: 40, msg: expect.stringContaining("player bundle missing"), file: missing.pathname }]);

    const page = await request(port, "/live/");
    expect(page.status).toBe(200);
    expect(page.text).toContain("The player is missing on this server (assets/live-player.js)");
    expect(page.text).not.toContain("player.js?");
    expect(page.text).toMatch(/<script src="preview\.js\?v=[A-Za-z0-9_-]{16}" defer><\/script>/);
    expect((await request(port, "/live/preview.js")).status).toBe(200);

    const player = await request(port, "/live/player.js");
    expect(player.status).toBe(404);
    expect(player.headers["cache-control"]).toBe("no-store");
    expect(player.text).toBe("player bundle missing on this server\n");
  });
});

it("counts the scripts under their own route labels in /metrics", async () => {
  const port = await start();
  const first = await request(port, "/live/player.js");
  await request(port, "/live/player.js", { headers: { "If-None-Match": first.headers.etag! } });
  await request(port, "/live/preview.js");
  const metrics = (await request(port, "/metrics")).text;
  expect(metrics).toContain('live_http_requests_total{route="player_js",status="200"} 1');
  expect(metrics).toContain('live_http_requests_total{route="player_js",status="304"} 1');
  expect(metrics).toContain('live_http_requests_total{route="preview_js",status="200"} 1');
  expect(metrics).toContain(`live_http_response_bytes_total{route="player_js"} ${bundle.length}`);
});

describe("content negotiation helpers", () => {
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ["", false],
    ["gzip", true],
    ["GZIP", true],
    ["x-gzip", true],
    ["gzip, deflate, br, zstd", true],
    ["br;q=1.0, gzip;q=0.8", true],
    ["gzip;q=0", false],
    ["gzip;q=0.000", false],
    ["gzip;q=0, *", false],
    ["*", true],
    ["*;q=0", false],
    ["identity", false],
    ["br", false],
    ["gzip;q=nonsense", false],
  ])("Accept-Encoding %j -> gzip %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['"x","abc"', true],
    ["*", true],
    ['"abcd"', false],
    ["abc", false],
  ])('If-None-Match %j matches "abc": %s', (header, expected) => {
    expect(matchesEtag(header, '"abc"')).toBe(expected);
  });
});
