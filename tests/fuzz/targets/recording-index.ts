// parseIndex (a recording's journal, read back after crashes) and renderVodPlaylist on what it accepted:
// never throws; every segment names an init it listed before; the playlist lists every segment and
// EXTINF never rounds above TARGETDURATION.
import type * as Index from "../../../ingest/src/recording/recording-index.js";
import type * as Vod from "../../../ingest/src/recording/vod-playlist.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";

export async function load(root: string): Promise<FuzzTarget> {
  const { parseIndex, formatIndexLine } = await importFrom<typeof Index>(root, "recording/recording-index");
  const { renderVodPlaylist } = await importFrom<typeof Vod>(root, "recording/vod-playlist");
  const seed = [
    formatIndexLine({ t: "init", n: 0, bytes: 700 }),
    formatIndexLine({ t: "seg", n: 0, init: 0, dur: 2, bytes: 5000, pdt: 1_700_000_000_000, disc: false }),
    formatIndexLine({ t: "init", n: 1, bytes: 710 }),
    formatIndexLine({ t: "seg", n: 1, init: 1, dur: 1.9667, bytes: 5100, pdt: 1_700_000_002_000, disc: true }),
  ].join("");
  return {
    files: ["recording/recording-index.ts", "recording/vod-playlist.ts"],
    seeds: [Buffer.from(seed, "utf8")],
    dictionary: ascii(
      '{"t":"seg",',
      '{"t":"init",',
      '"n":',
      '"init":',
      '"dur":',
      '"bytes":',
      '"pdt":',
      '"disc":',
      "true",
      "false",
      "1e308",
      "-0",
      "\n",
    ),
    maxLength: 4096,
    run(data) {
      const index = parseIndex(data.toString("utf8"));
      const inits = new Set(index.inits.map((i) => i.n));
      for (const s of index.segments) check(inits.has(s.init), `segment ${s.n} names unknown init ${s.init}`);
      const text = renderVodPlaylist(index, true);
      const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)![1]);
      const extinfs = [...text.matchAll(/#EXTINF:([0-9.]+),/g)].map((m) => Number(m[1]));
      check(extinfs.length === index.segments.length, "every segment is listed");
      for (const d of extinfs) check(Math.round(d) <= target, `EXTINF ${d} above TARGETDURATION ${target}`);
    },
  };
}
