// The shipped HTTP caches (ingest/deploy/nginx/live-shows-cache.conf, ingest/deploy/varnish/live-shows.vcl)
// in front of the real ingest, as stand-ins for a CDN: N simulated LL-HLS viewers (PROXY_VIEWERS, default
// 200) do blocking reloads and fetch every part through them. Every viewer must receive every part,
// byte-identical to the packager's, while the ingest answers about one request per distinct object.
import { Agent } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { publish, startTestIngest, until, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { parseM3u8 } from "../ingest/hls/parse-m3u8.js";
import { get } from "../ingest/http/http-client.js";
import { originRequests } from "./support/ingest.js";
import { LlHlsViewer, listedParts, partRef, type PartRef, type ViewerContext } from "./support/llhls-viewer.js";
import { startNginxCache, startVarnishCache, type RunningCache } from "./support/caches.js";
import { describeWithNginx } from "./support/nginx.js";
import { describeWithVarnish } from "./support/varnish.js";

const VIEWERS = Number(process.env.PROXY_VIEWERS ?? 200);
const WATCH_S = Number(process.env.PROXY_WATCH_S ?? 20);
const JOIN_SPREAD_MS = 2_000;
const STALL_S = 15;
const MEDIA_ROUTES = ["playlist", "part", "init", "segment"] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

// nginx keeps cached answers for whole seconds only: a late viewer behind it can stay up to the
// blocking answers' max-age behind live. The VCL keeps them for about one part.
const caches = [
  {
    name: "nginx proxy_cache (ingest/deploy/nginx/live-shows-cache.conf)",
    describe: describeWithNginx,
    start: startNginxCache,
    lateViewersCatchUp: false,
  },
  {
    name: "Varnish (ingest/deploy/varnish/live-shows.vcl)",
    describe: describeWithVarnish,
    start: startVarnishCache,
    lateViewersCatchUp: true,
  },
];

for (const kind of caches)
  kind.describe(`${kind.name} in front of /live`, () => {
    let t: TestIngest;
    let running: RunningCache;
    let cache: string;
    let publisher: Publisher | null = null;

    beforeAll(async () => {
      t = await startTestIngest();
      running = await kind.start(t.ingest.httpPort);
      cache = running.url;
      publisher = publish(t.rtmpUrl(), 120, { videoBitrate: "800k" });
      await until(
        "two complete segments",
        async () => {
          const text = t.ingest.registry.get(t.stream)?.playlist({});
          return typeof text === "string" && parseM3u8(text).manifest.segments.length >= 2;
        },
        30_000,
        200,
        "throw",
      );
    });

    afterAll(async () => {
      await publisher?.kill();
      await running?.stop();
      await t?.close();
    });

    it(`${VIEWERS} LL-HLS viewers each get every part, byte-identical, for ${WATCH_S} s; the ingest sees about one request per object`, async () => {
      const view = t.view();
      // The reference: every part in the order the packager lists it, and when it was first listed (in-process, no HTTP).
      const order: PartRef[] = [];
      const listedAt = new Map<string, number>();
      let lastText = "";
      const observe = () => {
        const text = view.playlist({});
        if (!text || text === lastText) return;
        lastText = text;
        for (const part of listedParts(parseM3u8(text).manifest).parts) {
          if (listedAt.has(part.uri)) continue;
          listedAt.set(part.uri, performance.now());
          order.push(part);
        }
      };
      observe();
      const observer = setInterval(observe, 20);

      const reference = new Map<string, Buffer>();
      const lagsMs: number[] = [];
      let stopped = false;
      const ctx: ViewerContext = {
        streamBase: `${cache}/live/${t.stream}/`,
        stopped: () => stopped,
        urls: new Set(),
        cacheStatus: new Map(),
        onPart: (uri, body) => {
          const at = listedAt.get(uri);
          if (at !== undefined) lagsMs.push(performance.now() - at);
          let ref = reference.get(uri);
          if (!ref) {
            const { msn, part } = partRef(uri);
            const bytes = view.getPart(msn, part);
            if (!bytes) return false;
            ref = Buffer.from(bytes);
            reference.set(uri, ref);
          }
          return ref.equals(body);
        },
      };

      const before = await originRequests(t.ingest);
      const viewers = Array.from({ length: VIEWERS }, () => new LlHlsViewer(ctx));
      const runs = viewers.map(async (viewer, i) => {
        await sleep((i / VIEWERS) * JOIN_SPREAD_MS);
        await viewer.run();
      });
      await sleep(JOIN_SPREAD_MS + WATCH_S * 1000);
      stopped = true;
      const stoppedAtIndex = order.length;
      await Promise.all(runs);
      clearInterval(observer);
      const after = await originRequests(t.ingest);

      const origin = Object.fromEntries(MEDIA_ROUTES.map((r) => [r, (after[r] ?? 0) - (before[r] ?? 0)]));
      const originTotal = MEDIA_ROUTES.reduce((sum, r) => sum + origin[r]!, 0);
      const urls = [...ctx.urls];
      const distinct = { playlist: urls.filter((u) => u.includes(".m3u8")).length, part: urls.filter((u) => u.includes("/part-")).length };
      const viewerRequests = viewers.reduce((sum, v) => sum + v.requests, 0);
      const partsPerViewer = viewers.map((v) => v.received.length);
      const figures = {
        viewers: VIEWERS,
        watchS: WATCH_S,
        viewerRequests,
        distinctUrls: urls.length,
        distinctPlaylistUrls: distinct.playlist,
        distinctPartUrls: distinct.part,
        originRequests: origin,
        originTotal,
        cacheStatus: Object.fromEntries(ctx.cacheStatus),
        partsPerViewer: { min: Math.min(...partsPerViewer), median: percentile(partsPerViewer, 50) },
        partListedToViewerMs: {
          p50: Math.round(percentile(lagsMs, 50)),
          p95: Math.round(percentile(lagsMs, 95)),
          max: Math.round(Math.max(...lagsMs)),
        },
      };
      console.info(`${kind.name}: ${JSON.stringify(figures)}`);

      // Every viewer: no errors, every part from its first to its last without a gap, bytes identical,
      // and it kept receiving until the end.
      const partsPerSecond = order.length / ((performance.now() - (listedAt.get(order[0]!.uri) ?? 0)) / 1000);
      for (const [i, viewer] of viewers.entries()) {
        expect(viewer.errors, `viewer ${i}`).toEqual([]);
        expect(viewer.mismatches, `viewer ${i} parts differing from the packager's`).toBe(0);
        const first = order.findIndex((p) => p.uri === viewer.received[0]?.uri);
        expect(first, `viewer ${i} first part`).toBeGreaterThanOrEqual(0);
        expect(
          viewer.received.map((p) => p.uri),
          `viewer ${i} parts`,
        ).toEqual(order.slice(first, first + viewer.received.length).map((p) => p.uri));
        // Guards against a viewer that silently stopped early (not a speed check: a busy machine may lag seconds).
        expect(first + viewer.received.length, `viewer ${i} kept receiving`).toBeGreaterThanOrEqual(stoppedAtIndex - 5 * partsPerSecond);
        expect(viewer.received.length).toBeGreaterThanOrEqual(WATCH_S * partsPerSecond * 0.6);
      }
      // The origin: about one request per distinct object (each part once, each playlist version once,
      // the plain join playlist about once a second), at most twice the number of distinct objects.
      expect(originTotal).toBeLessThanOrEqual(2 * urls.length);
      expect(origin.part).toBeLessThanOrEqual(distinct.part + 2);
      expect(origin.init).toBeLessThanOrEqual(2);
      expect(viewerRequests).toBeGreaterThan(originTotal * (VIEWERS / 4));
    });

    if (kind.lateViewersCatchUp) {
      it("a viewer asking for a part released a second ago gets the current playlist, not that part's old snapshot", async () => {
        const next = t.view().position();
        const url = `${cache}/live/${t.stream}/index.m3u8?_HLS_msn=${next.msn}&_HLS_part=${next.part}&_HLS_skip=YES`;
        const partsIn = (text: string) => listedParts(parseM3u8(text).manifest).parts.map((p) => p.uri);
        const onTime = await get(url, { timeoutMs: 10_000 });
        await sleep(1_000);
        const late = await get(url, { timeoutMs: 10_000 });
        expect([onTime.status, late.status]).toEqual([200, 200]);
        const newer = partsIn(late.text).filter((uri) => !partsIn(onTime.text).includes(uri));
        // About five parts of 200 ms came out during that second; the old snapshot would list none of them.
        expect(late.headers["x-cache-status"]).toBe("MISS");
        expect(newer.length).toBeGreaterThanOrEqual(3);
      });
    }

    it(`when the publisher stalls, ${VIEWERS} viewers waiting for the same update cost the ingest few held requests`, async () => {
      await publisher!.kill();
      publisher = null;
      const view = t.view();
      const stalled = await until(
        "the stream to stall",
        async () => {
          const a = view.position();
          await sleep(1_200);
          const b = view.position();
          return a.msn === b.msn && a.part === b.part ? b : undefined;
        },
        20_000,
        100,
        "throw",
      );
      const url = `${cache}/live/${t.stream}/index.m3u8?_HLS_msn=${stalled.msn}&_HLS_part=${stalled.part}`;
      const before = await originRequests(t.ingest);
      const statuses = new Map<number, number>();
      let stopped = false;
      // Each waiter asks for the next part, and after a 503 asks again after Retry-After, as players do.
      const waiters = Array.from({ length: VIEWERS }, async (_, i) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        await sleep((i / VIEWERS) * 1_000);
        try {
          while (!stopped) {
            const reply = await get(url, { agent, timeoutMs: 40_000 });
            statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
            if (reply.status !== 503) return;
            await sleep(Number(reply.headers["retry-after"] ?? 1) * 1_000);
          }
        } finally {
          agent.destroy();
        }
      });
      await sleep(STALL_S * 1_000);
      stopped = true;
      await Promise.all(waiters);
      const origin = ((await originRequests(t.ingest)).playlist ?? 0) - (before.playlist ?? 0);
      const blockingS = view.blockingTimeoutMs() / 1000;
      console.info(
        `${kind.name}, stalled ${STALL_S} s: ${VIEWERS} waiters got ${JSON.stringify(Object.fromEntries(statuses))}; the ingest answered ${origin} playlist requests (held up to ${blockingS} s each)`,
      );
      expect([...statuses.keys()]).toEqual([503]);
      expect(statuses.get(503)).toBeGreaterThanOrEqual(VIEWERS);
      // About one held request per hold period (plus the second of caching each 503 answer), not one per viewer.
      expect(origin).toBeLessThanOrEqual(2 * Math.ceil(STALL_S / blockingS + 1));
    });
  });
