// A stream with renditions behind the shipped caches (nginx cache site, Varnish VCL): the multivariant
// index.m3u8, each rendition's playlist (plain, blocking, delta) and its media go through them with the
// ingest's lifetimes; an init, part or segment of a rendition reaches the ingest once however many
// viewers ask, and what the cache serves is byte-identical to the rendition's packager.
import { afterAll, beforeAll, expect, it } from "vitest";
import { publish, startTestIngest, until, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { parseM3u8 } from "../ingest/hls/parse-m3u8.js";
import { get } from "../ingest/http/http-client.js";
import { startNginxCache, startVarnishCache, type RunningCache } from "./support/caches.js";
import { originRequests } from "./support/ingest.js";
import { describeWithNginx } from "./support/nginx.js";
import { describeWithVarnish } from "./support/varnish.js";

const caches = [
  { name: "nginx proxy_cache", describe: describeWithNginx, start: startNginxCache },
  { name: "Varnish", describe: describeWithVarnish, start: startVarnishCache },
];

for (const kind of caches)
  kind.describe(`${kind.name} in front of a stream with renditions`, () => {
    let t: TestIngest;
    let running: RunningCache;
    let publisher: Publisher | null = null;

    beforeAll(async () => {
      t = await startTestIngest(["--renditions", "240p"]);
      running = await kind.start(t.ingest.httpPort);
      publisher = publish(t.rtmpUrl(), 90, { videoBitrate: "800k" });
      await until(
        "two complete 240p segments",
        async () => {
          const text = t.ingest.registry.get(t.stream)?.rendition("240p")?.playlist({});
          return typeof text === "string" && parseM3u8(text).manifest.segments.length >= 2;
        },
        40_000,
        200,
      );
    }, 60_000);

    afterAll(async () => {
      await publisher?.kill();
      await running?.stop();
      await t?.close();
    });

    it("serves the multivariant playlist and the rendition's playlists with the ingest's lifetimes", async () => {
      const base = `${running.url}/live/${t.stream}`;
      const master = await get(`${base}/index.m3u8`);
      expect(master.status).toBe(200);
      expect(master.headers["cache-control"]).toBe("public, max-age=1");
      expect(parseM3u8(master.text).manifest.playlists!.map((v) => v.uri)).toEqual(["source/index.m3u8", "240p/index.m3u8"]);
      const playlist = await get(`${base}/240p/index.m3u8`);
      expect(playlist.status).toBe(200);
      const m = parseM3u8(playlist.text).manifest;
      const hint = m.preloadSegment!.preloadHints!.find((h) => h.type === "PART")!.uri;
      const [, msn, part] = /^part-(\d+)-(\d+)\.m4s$/.exec(hint)!;
      const blocked = await get(`${base}/240p/index.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`);
      expect(blocked.status).toBe(200);
      expect(blocked.text).toContain(hint);
      expect(blocked.headers["cache-control"]).toBe("public, max-age=1");
    }, 20_000);

    it("fetches a rendition's init, segment and part from the ingest once for many requests, byte-identical", async () => {
      const base = `${running.url}/live/${t.stream}/240p`;
      const view = t.ingest.registry.get(t.stream)!.rendition("240p")!;
      const m = parseM3u8(view.playlist({})!).manifest;
      const seg = m.segments.at(-1)!;
      const part = seg.parts![0]!;
      const before = await originRequests(t.ingest);
      for (const uri of [seg.map!.uri, seg.uri, part.uri]) {
        const replies = await Promise.all(Array.from({ length: 10 }, () => get(`${base}/${uri}`)));
        for (const r of replies) {
          expect(r.status, uri).toBe(200);
          expect(r.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
        }
        const again = await get(`${base}/${uri}`);
        expect(again.body.equals(replies[0]!.body)).toBe(true);
      }
      const after = await originRequests(t.ingest);
      for (const route of ["init", "segment", "part"])
        expect((after[route] ?? 0) - (before[route] ?? 0), `${route} requests reaching the ingest`).toBe(1);
      const segmentMsn = Number(/seg-(\d+)/.exec(seg.uri)![1]);
      expect((await get(`${base}/${seg.uri}`)).body.equals(Buffer.from(view.getSegment(segmentMsn)!))).toBe(true);
    }, 20_000);
  });
