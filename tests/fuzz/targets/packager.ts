// The LL-HLS packager fed with mutated ffmpeg output (init + fragments through Fmp4UnitReader). A unit the
// packager refuses is fine (the supervisor restarts ffmpeg), but nothing it accepted may break what every
// viewer asks for next: the playlist (full and delta) renders, lists only resources it can serve, and the
// position, limits and stats stay sane. A throw there would answer 500 to every viewer of the stream.
import type * as Units from "../../../ingest/src/mp4/fmp4-units.js";
import type * as Splitter from "../../../ingest/src/mp4/mp4-box-splitter.js";
import type * as Packager from "../../../ingest/src/hls/packager.js";
import type * as ResourceNames from "../../../ingest/src/hls/resource-names.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";
import { fmp4Units } from "./seeds.js";

const MAX_BOX = 65_536;

export async function load(root: string): Promise<FuzzTarget> {
  const { LlHlsPackager } = await importFrom<typeof Packager>(root, "hls/packager");
  const { Fmp4UnitReader } = await importFrom<typeof Units>(root, "mp4/fmp4-units");
  const { Mp4FormatError } = await importFrom<typeof Splitter>(root, "mp4/mp4-box-splitter");
  const { parseResourceName } = await importFrom<typeof ResourceNames>(root, "hls/resource-names");
  const { init, fragments } = fmp4Units();

  return {
    files: ["hls/packager.ts", "hls/media-stats.ts", "hls/playlist-writer.ts"],
    seeds: [Buffer.concat(fragments), Buffer.concat([init, ...fragments.slice(0, 3), init, ...fragments.slice(3)])],
    dictionary: [
      ...ascii("moof", "traf", "trun", "tfhd", "tfdt", "mdat", "moov", "ftyp"),
      Buffer.of(0, 0, 0x0f, 0x01),
      Buffer.of(0, 0, 0x03, 0x05),
      Buffer.of(0x02, 0, 0, 0),
      Buffer.of(0x01, 0x01, 0, 0),
      Buffer.of(0xff, 0xff, 0xff, 0xff),
      Buffer.of(0, 0, 0, 0),
      Buffer.of(0x7f, 0xff, 0xff, 0xff),
    ],
    maxLength: 32_768,
    run(data) {
      let now = 1_700_000_000_000;
      const packager = new LlHlsPackager({ partTargetMs: 100, windowSegments: 3, minSegmentMs: 300, maxSegmentMs: 1200, clock: () => now });
      packager.pushInit(init);
      const reader = new Fmp4UnitReader(MAX_BOX);
      let units: ReturnType<InstanceType<typeof Fmp4UnitReader>["push"]>;
      try {
        units = reader.push(data);
      } catch (err) {
        if (err instanceof Mp4FormatError) return;
        throw err;
      }
      units.forEach((unit, i) => {
        try {
          if (unit.kind === "init") packager.pushInit(unit.bytes);
          else packager.pushFragment(unit.bytes);
        } catch (err) {
          if (!(err instanceof Mp4FormatError)) throw err;
        }
        now += 100;
        if (i % 7 === 6) packager.markDiscontinuity();
        inspect();
      });
      packager.end();
      const ended = inspect();
      check(ended === null || ended.includes("#EXT-X-ENDLIST"), "ended playlist without ENDLIST");

      function inspect(): string | null {
        const full = packager.playlist();
        const delta = packager.playlist({ skip: true });
        check((full === null) === (delta === null), "full and delta playlists disagree on existing");
        const position = packager.position();
        check(
          Number.isSafeInteger(position.msn) && position.msn >= 0 && Number.isSafeInteger(position.part) && position.part >= 0,
          `position ${JSON.stringify(position)}`,
        );
        check(
          Number.isFinite(packager.blockingTimeoutMs()) && packager.blockingTimeoutMs() > 0,
          `blocking timeout ${packager.blockingTimeoutMs()}`,
        );
        check(packager.advancePartLimit() >= 1, `advance part limit ${packager.advancePartLimit()}`);
        // What a blocking request near the live edge is told (the HTTP layer answers from this).
        for (const [dm, dp] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [-1, 0],
          [2, 0],
          [0, 40],
          [-position.msn - 1, 0],
        ] as const) {
          const verdict = packager.classify(position.msn + dm, position.part + dp);
          check(["ready", "pending", "too-far", "gone"].includes(verdict), `classify gave ${verdict}`);
        }
        if (!packager.ended) check(packager.classify(position.msn, position.part) === "pending", "the preload-hinted part is not pending");
        packager.stats();
        if (full === null) return null;
        for (const text of [full, delta!]) {
          for (const m of text.matchAll(/(?:URI="|^)((?:init|seg|part)-[^"\n]+)/gm)) {
            const name = parseResourceName(m[1]!);
            check(name !== null, `playlist lists a name the server cannot route: ${m[1]}`);
            // The preload hint names the part that does not exist yet.
            if (!text.includes(`PRELOAD-HINT:TYPE=PART,URI="${m[1]}"`))
              check(packager.getResource(name!) !== undefined, `playlist lists ${m[1]} but it cannot be served`);
          }
          for (const m of text.matchAll(/(?:#EXTINF:|DURATION=|#EXT-X-TARGETDURATION:|PART-TARGET=)([^,\n]+)/g)) {
            check(Number.isFinite(Number(m[1])) && Number(m[1]) >= 0, `playlist has a bad number ${m[0]}`);
          }
        }
        return full;
      }
    },
  };
}
