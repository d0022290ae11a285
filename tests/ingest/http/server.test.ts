import { Agent, get as httpGet } from "node:http";
import { pino } from "pino";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpServer } from "../../../ingest/src/http/server.js";
import type { LiveStreamView, StreamDirectory } from "../../../ingest/src/streams/stream-view.js";
import { ViewerCounter } from "../../../ingest/src/http/viewer-counter.js";
import { request, sleep, track } from "./http-client.js";
import { encodeFmp4, PackagedStream, type Fmp4Media } from "./packaged-stream.js";

const logger = pino({ level: "silent" });
let media: Fmp4Media;

beforeAll(async () => {
  media = await encodeFmp4(12);
});

class Directory implements StreamDirectory {
  readonly streams = new Map<string, LiveStreamView>();
  add(view: LiveStreamView) {
    this.streams.set(view.name, view);
    return view;
  }
  get(name: string) {
    return this.streams.get(name);
  }
  list() {
    return [...this.streams.values()];
  }
}

let directory: Directory;
let server: HttpServer;
let port: number;
let clock: number;

async function startServer(options: Partial<ConstructorParameters<typeof HttpServer>[0]> = {}) {
  await server?.close();
  server = new HttpServer({
    host: "127.0.0.1",
    port: 0,
    allowOrigin: "*",
    logger,
    directory,
    viewers: new ViewerCounter({ now: () => clock }),
    firstPartWaitMs: 1_500,
    ...options,
  });
  port = await server.start();
}

beforeEach(async () => {
  directory = new Directory();
  clock = 0;
  await startServer();
});

afterEach(async () => {
  await server.close();
});

/** A stream with `parts` parts pushed; 4 parts per segment, so part n is part-<n/4>-<n%4>. */
function liveStream(name = "show", parts = 2): PackagedStream {
  const stream = directory.add(new PackagedStream(name, media)) as PackagedStream;
  stream.push(parts);
  return stream;
}

describe("headers", () => {
  it("serves playlists, init, parts and segments with their content types, caching and CORS", async () => {
    const stream = liveStream("show", 5);
    const cases: Array<[string, string, string]> = [
      ["/live/show/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=1"],
      ["/live/show/index.m3u8?_HLS_msn=0", "application/vnd.apple.mpegurl", "public, max-age=1"],
      ["/live/show/init-0.mp4", "video/mp4", "public, max-age=31536000, immutable"],
      ["/live/show/part-0-1.m4s", "video/mp4", "public, max-age=31536000, immutable"],
      ["/live/show/seg-0.m4s", "video/mp4", "public, max-age=31536000, immutable"],
      ["/live/show/status.json", "application/json; charset=utf-8", "public, max-age=1"],
      ["/live/status.json", "application/json; charset=utf-8", "public, max-age=1"],
      ["/live/", "text/html; charset=utf-8", "no-cache"],
    ];
    for (const [path, type, cache] of cases) {
      const reply = await request(port, path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers["content-type"], path).toBe(type);
      expect(reply.headers["cache-control"], path).toBe(cache);
      expect(reply.headers["access-control-allow-origin"], path).toBe("*");
      expect(reply.headers["access-control-expose-headers"], path).toContain("Content-Range");
      expect(reply.headers["x-content-type-options"], path).toBe("nosniff");
      expect(Number(reply.headers["content-length"]), path).toBe(reply.body.length);
    }
    expect((await request(port, "/live/show/part-0-1.m4s")).body).toEqual(media.fragments[1]);
    expect((await request(port, "/live/show/seg-0.m4s")).body).toEqual(Buffer.concat(media.fragments.slice(0, 4)));
    expect((await request(port, "/live/show/init-0.mp4")).body).toEqual(media.init);
    expect(stream.packager.waiterCount).toBe(0);
  });

  it("uses the configured origin", async () => {
    await startServer({ allowOrigin: "https://forum.example.org" });
    liveStream();
    const reply = await request(port, "/live/show/index.m3u8");
    expect(reply.headers["access-control-allow-origin"]).toBe("https://forum.example.org");
  });

  it("answers CORS preflight", async () => {
    liveStream();
    for (const path of ["/live/show/index.m3u8", "/live/show/viewers", "/live/status.json"]) {
      const reply = await request(port, path, {
        method: "OPTIONS",
        headers: {
          Origin: "https://forum.example.org",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      expect(reply.status, path).toBe(204);
      expect(reply.headers["access-control-allow-origin"]).toBe("*");
      expect(reply.headers["access-control-allow-methods"]).toContain("POST");
      expect(reply.headers["access-control-allow-headers"]).toMatch(/Content-Type/);
      expect(reply.headers["access-control-allow-headers"]).toMatch(/Range/);
      expect(reply.headers["access-control-max-age"]).toBe("86400");
    }
  });

  it("answers HEAD like GET without a body", async () => {
    liveStream();
    for (const path of [
      "/live/show/index.m3u8",
      "/live/show/part-0-0.m4s",
      "/live/show/init-0.mp4",
      "/live/status.json",
      "/live/",
      "/healthz",
      "/metrics",
    ]) {
      const get = await request(port, path);
      const head = await request(port, path, { method: "HEAD" });
      expect(head.status, path).toBe(200);
      expect(head.body.length, path).toBe(0);
      expect(head.headers["content-type"], path).toBe(get.headers["content-type"]);
      if (!path.startsWith("/metrics")) expect(head.headers["content-length"], path).toBe(String(get.body.length));
    }
  });

  // n = size of the part; each case: Range header, status, Content-Range, body slice ("all" = whole part).
  it.each<[string, (n: number) => [string, number, string | undefined, [number, number] | "all" | undefined]]>([
    ["first 10 bytes", () => ["bytes=0-9", 206, "bytes 0-9/N", [0, 10]]],
    ["open end", (n) => [`bytes=${n - 10}-`, 206, `bytes ${n - 10}-${n - 1}/N`, [n - 10, n]]],
    ["suffix", (n) => ["bytes=-5", 206, `bytes ${n - 5}-${n - 1}/N`, [n - 5, n]]],
    ["end past the size", (n) => [`bytes=50-${n + 500}`, 206, `bytes 50-${n - 1}/N`, [50, n]]],
    ["start at the size", (n) => [`bytes=${n}-`, 416, "bytes */N", undefined]],
    ["start past the size", (n) => [`bytes=${n + 100}-${n + 200}`, 416, "bytes */N", undefined]],
    ["two ranges", () => ["bytes=0-1,5-6", 200, undefined, "all"]],
    ["other unit", () => ["items=0-5", 200, undefined, "all"]],
    ["malformed", () => ["garbage", 200, undefined, "all"]],
  ])("Range: %s", async (_name, make) => {
    liveStream();
    const part = media.fragments[1]!;
    const [range, status, contentRange, slice] = make(part.length);
    const reply = await request(port, "/live/show/part-0-1.m4s", { headers: { Range: range } });
    expect(reply.status).toBe(status);
    expect(reply.headers["content-range"]).toBe(contentRange?.replace("N", String(part.length)));
    expect(reply.headers["accept-ranges"]).toBe("bytes");
    if (slice === "all") expect(reply.body).toEqual(part);
    else if (slice) expect(reply.body).toEqual(part.subarray(slice[0], slice[1]));
    else expect(reply.headers["cache-control"]).toBe("no-store");
  });

  it("ignores Range when If-Range is present (no validators to match)", async () => {
    liveStream();
    const reply = await request(port, "/live/show/part-0-0.m4s", { headers: { Range: "bytes=0-9", "If-Range": '"x"' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(media.fragments[0]);
  });
});

describe("routing", () => {
  it("404s unknown streams at once and unknown files", async () => {
    liveStream();
    for (const path of [
      "/live/nope/index.m3u8",
      "/live/nope/part-0-0.m4s",
      "/live/show/part-9-0.m4s",
      "/live/show/seg-1.m4s",
      "/live/show/init-1.mp4",
      "/nothing",
    ]) {
      const reply = await request(port, path);
      expect(reply.status, path).toBe(404);
      expect(reply.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(reply.text.length).toBeLessThan(40);
    }
  });

  it.each([
    "/live/../live/show/index.m3u8",
    "/live/show/../show/index.m3u8",
    "/live/%2e%2e/show/index.m3u8",
    "/live/show/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/live/show/..%2F..%2Fkeys.json",
    "/live//show/index.m3u8",
    "/live/show//index.m3u8",
    "//live/show/index.m3u8",
    "/live\\show\\index.m3u8",
    "/live/show\\..\\..\\keys.json",
    "/live/./show/index.m3u8",
    "/live/show%2Findex.m3u8",
    "/live/show/",
    "/live/show",
    "/../../etc/passwd",
  ])("404 for traversal attempt %s", async (path) => {
    liveStream();
    const reply = await request(port, path);
    expect(reply.status).toBe(404);
    expect(reply.text).toBe("not found\n");
  });

  it("redirects the old playlist shape, keeping the query", async () => {
    liveStream();
    const reply = await request(port, "/live/show.m3u8?_HLS_msn=1&_HLS_part=0");
    expect(reply.status).toBe(308);
    expect(reply.headers.location).toBe("/live/show/index.m3u8?_HLS_msn=1&_HLS_part=0");
    expect((await request(port, "/live/show.m3u8")).headers.location).toBe("/live/show/index.m3u8");
    expect((await request(port, "/live")).headers.location).toBe("/live/");
  });

  it("405 for methods a route does not take", async () => {
    liveStream();
    for (const [method, path, allow] of [
      ["POST", "/live/show/index.m3u8", "GET, HEAD, OPTIONS"],
      ["DELETE", "/live/show/part-0-0.m4s", "GET, HEAD, OPTIONS"],
      ["GET", "/live/show/viewers", "POST, OPTIONS"],
      ["POST", "/healthz", "GET, HEAD"],
    ] as const) {
      const reply = await request(port, path, { method });
      expect(reply.status, `${method} ${path}`).toBe(405);
      expect(reply.headers.allow).toBe(allow);
    }
  });

  it("answers 500 without a stack trace when a view throws", async () => {
    const bad = new PackagedStream("bad", media);
    bad.playlistBytes = () => {
      throw new Error("secret detail");
    };
    directory.add(bad);
    const reply = await request(port, "/live/bad/index.m3u8");
    expect(reply.status).toBe(500);
    expect(reply.text).toBe("internal error\n");
  });
});

describe("playlists and blocking reload", () => {
  it("a known stream without parts: the request waits for the first part instead of 404", async () => {
    const stream = directory.add(new PackagedStream("soon", media)) as PackagedStream;
    const reply = track(request(port, "/live/soon/index.m3u8"));
    await sleep(300);
    expect(reply.settled()).toBe(false);
    stream.push(1);
    const answer = await reply.promise;
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('URI="part-0-0.m4s"');
  });

  it("a known stream that produces nothing gets 503 with Retry-After after the wait", async () => {
    await startServer({ firstPartWaitMs: 300 });
    directory.add(new PackagedStream("silent", media));
    const reply = await request(port, "/live/silent/index.m3u8");
    expect(reply.status).toBe(503);
    expect(reply.headers["retry-after"]).toBe("2");
    expect(reply.headers["cache-control"]).toBe("public, max-age=2");
  });

  it("answers at once when the requested part exists", async () => {
    liveStream("show", 3);
    for (const query of ["_HLS_msn=0&_HLS_part=2", "_HLS_msn=0&_HLS_part=0"]) {
      const reply = await request(port, `/live/show/index.m3u8?${query}`);
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('URI="part-0-2.m4s"');
    }
  });

  it("holds a blocking reload until the requested part appears, and not before", async () => {
    const stream = liveStream("show", 2);
    const reply = track(request(port, "/live/show/index.m3u8?_HLS_msn=0&_HLS_part=3"));
    await sleep(200);
    expect(reply.settled()).toBe(false);
    stream.push(1); // part-0-2: not yet
    await sleep(200);
    expect(reply.settled()).toBe(false);
    stream.push(1); // part-0-3
    const answer = await reply.promise;
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('URI="part-0-3.m4s"');
    expect(answer.headers["cache-control"]).toBe("public, max-age=1");
    expect(stream.packager.waiterCount).toBe(0);
  });

  it("_HLS_msn alone waits for the whole segment", async () => {
    const stream = liveStream("show", 3);
    const reply = track(request(port, "/live/show/index.m3u8?_HLS_msn=0"));
    await sleep(200);
    stream.push(1); // segment 0 has its 4 parts but stays open until the next keyframe
    await sleep(200);
    expect(reply.settled()).toBe(false);
    stream.push(1); // keyframe: part-1-0 closes segment 0
    const answer = await reply.promise;
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("seg-0.m4s");
  });

  it("a part index past the end of a segment is satisfied by part 0 of the next", async () => {
    const stream = liveStream("show", 4);
    const reply = track(request(port, "/live/show/index.m3u8?_HLS_msn=0&_HLS_part=4"));
    await sleep(200);
    expect(reply.settled()).toBe(false);
    stream.push(1);
    expect((await reply.promise).text).toContain('URI="part-1-0.m4s"');
  });

  it("answers 503 after three target durations without the update", async () => {
    const stream = liveStream("show", 1);
    const started = performance.now();
    const reply = await request(port, "/live/show/index.m3u8?_HLS_msn=0&_HLS_part=1");
    expect(reply.status).toBe(503);
    expect(reply.headers["retry-after"]).toBe("1");
    expect(reply.headers["cache-control"]).toBe("public, max-age=1");
    expect(performance.now() - started).toBeGreaterThanOrEqual(stream.blockingTimeoutMs() - 10);
    expect(stream.packager.waiterCount).toBe(0);
  });

  it("400 at once for a request too far ahead of the live edge", async () => {
    const stream = liveStream("show", 2); // next part: 0.2
    const limit = stream.packager.advancePartLimit();
    for (const query of ["_HLS_msn=2", `_HLS_msn=0&_HLS_part=${2 + limit}`, `_HLS_msn=1&_HLS_part=${limit}`]) {
      const reply = await request(port, `/live/show/index.m3u8?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.text).toContain("too far");
    }
    // Just inside the limits: held, not refused.
    const held = track(request(port, `/live/show/index.m3u8?_HLS_msn=0&_HLS_part=${1 + limit}`));
    await sleep(150);
    expect(held.settled()).toBe(false);
    stream.packager.end();
    expect((await held.promise).status).toBe(200);
  });

  it.each([
    ["_HLS_msn=x", "_HLS_msn must be a decimal integer"],
    ["_HLS_part=1", "_HLS_part requires _HLS_msn"],
    ["_HLS_skip=maybe", "_HLS_skip must be YES or v2"],
    ["_HLS_msn=1&_HLS_msn=2", "more than once"],
  ])("400 at once for %s", async (query, message) => {
    liveStream("show", 2);
    const reply = await request(port, `/live/show/index.m3u8?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.text).toContain(message);
    expect(reply.headers["cache-control"]).toBe("no-store");
  });

  it("answers _HLS_skip with a delta update", async () => {
    liveStream("show", 44); // 11 segments of 1 s: more than CAN-SKIP-UNTIL (6 s) behind the edge
    const full = await request(port, "/live/show/index.m3u8");
    const delta = await request(port, "/live/show/index.m3u8?_HLS_skip=YES");
    expect(full.text).not.toContain("#EXT-X-SKIP");
    expect(delta.status).toBe(200);
    expect(delta.text).toMatch(/#EXT-X-SKIP:SKIPPED-SEGMENTS=[1-9]/);
    expect(delta.headers["cache-control"]).toBe("public, max-age=1");
  });

  it("ignores blocking directives once the playlist has ended", async () => {
    const stream = liveStream("show", 2);
    stream.packager.end();
    const reply = await request(port, "/live/show/index.m3u8?_HLS_msn=50&_HLS_part=3");
    expect(reply.status).toBe(200);
    expect(reply.text).toContain("#EXT-X-ENDLIST");
  });

  it("ends a held request when the stream ends", async () => {
    const stream = liveStream("show", 2);
    const reply = request(port, "/live/show/index.m3u8?_HLS_msn=0&_HLS_part=3");
    await sleep(100);
    stream.packager.end();
    const answer = await reply;
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("#EXT-X-ENDLIST");
  });
});

describe("parts", () => {
  it("holds a request for the next (preload-hinted) part until it exists", async () => {
    const stream = liveStream("show", 2);
    expect((await request(port, "/live/show/index.m3u8")).text).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-0-2.m4s"');
    const reply = track(request(port, "/live/show/part-0-2.m4s"));
    await sleep(250);
    expect(reply.settled()).toBe(false);
    stream.push(1);
    const answer = await reply.promise;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(media.fragments[2]);
  });

  it("holds the first part of the next segment too", async () => {
    const stream = liveStream("show", 4);
    const reply = track(request(port, "/live/show/part-1-0.m4s"));
    await sleep(150);
    expect(reply.settled()).toBe(false);
    stream.push(1);
    expect((await reply.promise).body).toEqual(media.fragments[4]);
  });

  it("404s a hinted part the stream skipped (a keyframe started a new segment)", async () => {
    const stream = liveStream("show", 4);
    expect((await request(port, "/live/show/index.m3u8")).text).toContain('URI="part-0-4.m4s"');
    const reply = track(request(port, "/live/show/part-0-4.m4s"));
    await sleep(150);
    expect(reply.settled()).toBe(false);
    stream.push(1); // the keyframe went to part-1-0
    expect((await reply.promise).status).toBe(404);
  });

  it("404s parts further ahead at once", async () => {
    liveStream("show", 2);
    expect((await request(port, "/live/show/part-0-3.m4s")).status).toBe(404);
    expect((await request(port, "/live/show/part-5-0.m4s")).status).toBe(404);
  });
});

describe("status and viewers", () => {
  const heartbeat = (stream: string, body: string, type = "application/json") =>
    request(port, `/live/${stream}/viewers`, { method: "POST", headers: { "Content-Type": type }, body });

  it("serves the status of all streams and of one, with relative playlist URLs", async () => {
    liveStream("show");
    const all = JSON.parse((await request(port, "/live/status.json")).text);
    expect(all.streams).toHaveLength(1);
    expect(all.streams[0]).toMatchObject({
      name: "show",
      live: true,
      viewers: 0,
      playlist: "show/index.m3u8",
      renditions: [{ name: "source", playlist: "show/source/index.m3u8" }],
    });
    const one = JSON.parse((await request(port, "/live/show/status.json")).text);
    expect(one).toEqual({
      name: "show",
      state: "live",
      live: true,
      startedAt: "2025-01-01T00:00:00.000Z",
      viewers: 0,
      video: { codec: "avc1.64000c", width: 160, height: 120, fps: 20, bitrateKbps: 100, keyframeIntervalS: 1, droppedFrames: 0 },
      audio: { codec: "mp4a.40.2", sampleRate: 48000, channels: 2, bitrateKbps: 32 },
      warnings: [],
      playlist: "index.m3u8",
      access: "public",
      renditions: [
        { name: "source", state: "source", width: 160, height: 120, bitrateKbps: 132, realTime: null, playlist: "source/index.m3u8" },
      ],
    });
  });

  it("an unknown (valid) stream name is offline, not an error", async () => {
    const reply = await request(port, "/live/later/status.json");
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({
      name: "later",
      state: "offline",
      live: false,
      startedAt: null,
      viewers: 0,
      video: null,
      audio: null,
      warnings: [],
      playlist: "index.m3u8",
      access: "public",
      renditions: [],
    });
  });

  it("counts distinct heartbeat ids for 30 s", async () => {
    liveStream("show");
    expect((await heartbeat("show", JSON.stringify({ id: "a".repeat(16) }))).status).toBe(204);
    expect((await heartbeat("show", JSON.stringify({ id: "a".repeat(16) }))).status).toBe(204);
    expect((await heartbeat("show", JSON.stringify({ id: "b".repeat(64) }), "text/plain;charset=UTF-8")).status).toBe(204);
    expect(JSON.parse((await request(port, "/live/show/status.json")).text).viewers).toBe(2);
    expect(server.status("show")?.viewers).toBe(2);
    clock += 29_000;
    await heartbeat("show", JSON.stringify({ id: "b".repeat(64) }));
    clock += 1_000;
    expect(JSON.parse((await request(port, "/live/status.json")).text).streams[0].viewers).toBe(1);
    clock += 30_000;
    expect(JSON.parse((await request(port, "/live/show/status.json")).text).viewers).toBe(0);
  });

  it.each<[string, string, string, number]>([
    ["no JSON", "hello", "application/json", 400],
    ["array", '["aaaaaaaaaaaaaaaa"]', "application/json", 400],
    ["short id", '{"id":"short"}', "application/json", 400],
    ["long id", JSON.stringify({ id: "a".repeat(65) }), "application/json", 400],
    ["bad chars", JSON.stringify({ id: "a".repeat(15) + "/" }), "application/json", 400],
    ["extra key", JSON.stringify({ id: "a".repeat(16), x: 1 }), "application/json", 400],
    ["number id", '{"id":1234567890123456}', "application/json", 400],
    ["form body", "id=aaaaaaaaaaaaaaaa", "application/x-www-form-urlencoded", 415],
    ["too large", JSON.stringify({ id: "a".repeat(16), pad: "x".repeat(300) }), "application/json", 413],
  ])("rejects a heartbeat with %s", async (_name, body, type, status) => {
    liveStream("show");
    const reply = await heartbeat("show", body, type);
    expect(reply.status).toBe(status);
    expect(JSON.parse((await request(port, "/live/show/status.json")).text).viewers).toBe(0);
  });

  it("counts at most viewersPerAddress ids per viewer address, read from a trusted proxy's X-Forwarded-For", async () => {
    await startServer({ viewers: new ViewerCounter({ now: () => clock, maxIdsPerAddress: 3 }) });
    liveStream("show");
    const beat = (i: number, forwarded?: string) =>
      request(port, "/live/show/viewers", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(forwarded ? { "X-Forwarded-For": forwarded } : {}) },
        body: JSON.stringify({ id: `viewer-${String(i).padStart(10, "0")}` }),
      });
    const viewers = async () => JSON.parse((await request(port, "/live/show/status.json")).text).viewers as number;
    // The test connects from 127.0.0.1, a trusted proxy by default: the address it appended counts.
    for (let i = 0; i < 10; i++) expect((await beat(i, "198.51.100.1")).status).toBe(204);
    expect(await viewers()).toBe(3);
    // A client cannot pick its address: only the last hop (what the proxy saw) is believed.
    for (let i = 10; i < 20; i++) await beat(i, `203.0.113.${i}, 198.51.100.1`);
    expect(await viewers()).toBe(3);
    for (let i = 20; i < 22; i++) await beat(i, `198.51.100.${i}`);
    expect(await viewers()).toBe(5);
    // Without a trusted proxy, X-Forwarded-For is ignored: all of these come from 127.0.0.1.
    await startServer({ viewers: new ViewerCounter({ now: () => clock, maxIdsPerAddress: 3 }), trustedProxies: ["10.0.0.0/8"] });
    for (let i = 0; i < 10; i++) await beat(i, `198.51.100.${i}`);
    expect(await viewers()).toBe(3);
  });

  it("built-in property names are ordinary stream names in status and viewers", async () => {
    liveStream("constructor");
    expect((await heartbeat("constructor", JSON.stringify({ id: "a".repeat(16) }))).status).toBe(204);
    expect(JSON.parse((await request(port, "/live/constructor/status.json")).text)).toMatchObject({ name: "constructor", viewers: 1 });
    for (const name of ["toString", "valueOf", "hasOwnProperty"]) {
      expect((await heartbeat(name, JSON.stringify({ id: "a".repeat(16) }))).status).toBe(404);
      expect(JSON.parse((await request(port, `/live/${name}/status.json`)).text)).toMatchObject({ name, state: "offline", viewers: 0 });
    }
    expect(JSON.parse((await request(port, "/live/status.json")).text).streams.map((s: { name: string }) => s.name)).toEqual([
      "constructor",
    ]);
  });

  it("404s heartbeats for unknown streams and remembers nothing", async () => {
    expect((await heartbeat("ghost", JSON.stringify({ id: "a".repeat(16) }))).status).toBe(404);
    expect(server.viewers.streamNames()).toEqual([]);
  });
});

describe("operations endpoints", () => {
  it("/healthz answers ok", async () => {
    const reply = await request(port, "/healthz");
    expect(reply.status).toBe(200);
    expect(reply.text).toBe("ok\n");
    expect(reply.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("/metrics is Prometheus text with requests, bytes, held requests, connections, viewers, live streams", async () => {
    const stream = liveStream("show", 2);
    await request(port, "/live/show/part-0-0.m4s");
    await request(port, "/live/nope/index.m3u8");
    await request(port, "/live/show/viewers", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "v".repeat(20) }),
    });
    const held = request(port, "/live/show/index.m3u8?_HLS_msn=0&_HLS_part=2");
    await sleep(100);
    const reply = await request(port, "/metrics");
    stream.push(1);
    await held;

    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(reply.text);
    expect(samples.get('live_http_requests_total{route="part",status="200"}')).toBe(1);
    expect(samples.get('live_http_requests_total{route="playlist",status="404"}')).toBe(1);
    expect(samples.get('live_http_requests_total{route="viewers",status="204"}')).toBe(1);
    expect(samples.get('live_http_response_bytes_total{route="part"}')).toBe(media.fragments[0]!.length);
    expect(samples.get("live_http_held_requests")).toBe(1);
    expect(samples.get("live_http_connections")).toBeGreaterThanOrEqual(2);
    expect(samples.get('live_stream_viewers{stream="show"}')).toBe(1);
    expect(samples.get('live_stream_live{stream="show"}')).toBe(1);
    expect([...samples.keys()].some((k) => k.startsWith("process_cpu"))).toBe(true);
  });
});

describe("close", () => {
  it("answers held requests with 503, closes keep-alive connections and resolves", async () => {
    liveStream("show", 2);
    const held = request(port, "/live/show/index.m3u8?_HLS_msn=0&_HLS_part=3");
    const hint = request(port, "/live/show/part-0-2.m4s");
    await sleep(100);
    const closing = server.close();
    const [a, b] = await Promise.all([held, hint]);
    expect(a.status).toBe(503);
    expect(b.status).toBe(503);
    expect(a.headers.connection).toBe("close");
    await closing;
    await expect(request(port, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("access policy", () => {
  it("is asked before every /live route with the request, the stream and the resource kind; a refusal answers its status and JSON", async () => {
    const asked: Array<[string | null, string]> = [];
    await startServer({
      access: async ({ request: req, stream, resource }) => {
        asked.push([stream, resource]);
        if (req.headers.cookie === "member=1" || resource === "script") return { allow: true };
        return { allow: false, status: 403, body: { error: "members only", stream } };
      },
    });
    liveStream("show", 5);
    const paths: Array<[string, string | null, string]> = [
      ["/live/show/index.m3u8", "show", "playlist"],
      ["/live/show.m3u8", "show", "playlist"],
      ["/live/show/init-0.mp4", "show", "init"],
      ["/live/show/part-0-1.m4s", "show", "part"],
      ["/live/show/seg-0.m4s", "show", "segment"],
      ["/live/show/status.json", "show", "status"],
      ["/live/status.json", null, "status"],
      ["/live/", null, "preview"],
    ];
    for (const [path, stream, resource] of paths) {
      asked.length = 0;
      const refused = await request(port, path);
      expect(asked).toEqual([[stream, resource]]);
      expect(refused.status).toBe(403);
      expect(refused.headers["content-type"]).toMatch(/^application\/json/);
      expect(refused.headers["cache-control"]).toBe("no-store");
      expect(refused.headers["access-control-allow-origin"]).toBe("*");
      expect(JSON.parse(refused.text)).toEqual({ error: "members only", stream });
      expect((await request(port, path, { headers: { cookie: "member=1" } })).status).not.toBe(403);
    }
    asked.length = 0;
    const beat = await request(port, "/live/show/viewers", { method: "POST", body: JSON.stringify({ id: "a".repeat(16) }) });
    expect([asked, beat.status]).toEqual([[["show", "viewers"]], 403]);
    // CORS preflights carry no credentials: answered without asking.
    asked.length = 0;
    expect((await request(port, "/live/show/index.m3u8", { method: "OPTIONS" })).status).toBe(204);
    expect(asked).toEqual([]);
  });
});

describe("close with idle keep-alive connections", () => {
  it("closes idle keep-alive sockets instead of waiting for their timeout", async () => {
    await startServer({ timeouts: { closeGraceMs: 60_000, keepAliveMs: 60_000 } });
    const agent = new Agent({ keepAlive: true });
    const reply = await new Promise<number>((resolve, reject) => {
      httpGet({ host: "127.0.0.1", port, path: "/healthz", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      }).on("error", reject);
    });
    expect(reply).toBe(200);
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
    await server.close(); // would hang for closeGraceMs (beyond the test timeout) if the idle socket were kept
    agent.destroy();
  }, 10_000);
});

/** Minimal Prometheus text exposition parser: every line must be a comment or `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!match) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}
