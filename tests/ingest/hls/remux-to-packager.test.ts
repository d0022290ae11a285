// The streams/ wiring in miniature: FLV -> FfmpegRemuxer -> Fmp4UnitReader -> LlHlsPackager, live.
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fmp4UnitReader } from "../../../ingest/src/mp4/fmp4-units.js";
import { LlHlsPackager } from "../../../ingest/src/hls/packager.js";
import { parseResourceName } from "../../../ingest/src/hls/resource-names.js";
import { FfmpegRemuxer } from "../../../ingest/src/media/remuxer.js";
import { ffprobeJson, makeFlv, silentLogger } from "../media/ffmpeg-fixtures.js";
import { parseM3u8 } from "./parse-m3u8.js";

/** One publish: a fresh ffmpeg whose output goes straight into the packager. */
async function publish(flvPath: string, packager: LlHlsPackager): Promise<number | null> {
  const remuxer = new FfmpegRemuxer({ ffmpegPath: "ffmpeg", partMs: 250, logger: silentLogger });
  const reader = new Fmp4UnitReader();
  remuxer.on("data", (chunk) => {
    for (const unit of reader.push(chunk)) {
      if (unit.kind === "init") packager.pushInit(unit.bytes);
      else packager.pushFragment(unit.bytes);
    }
  });
  remuxer.start();
  const exited = remuxer.exited();
  for await (const chunk of createReadStream(flvPath, { highWaterMark: 8 * 1024 })) {
    if (!remuxer.write(chunk as Buffer)) await Promise.race([once(remuxer, "drain"), exited]);
  }
  return (await remuxer.end()).code;
}

describe("remuxer output packaged live", () => {
  let dir: string;
  let flv: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "remux-packager-"));
    flv = await makeFlv(dir, "show", { seconds: 4, gop: 30, size: "160x90" });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("serves a waiting client, survives an ffmpeg restart with continuous numbering and ends cleanly", async () => {
    const packager = new LlHlsPackager({ partTargetMs: 250, windowSegments: 20 });
    const firstPart = packager.waitFor(0, 0, 20_000);
    expect(await publish(flv, packager)).toBe(0);
    expect(await firstPart).toBe("ready");
    const afterFirst = packager.position();

    // The performer reconnects: a new ffmpeg with identical settings gives an identical init.
    packager.markDiscontinuity();
    const resumed = packager.waitFor(afterFirst.msn + 1, 0, 20_000);
    expect(await publish(flv, packager)).toBe(0);
    expect(await resumed).toBe("ready");
    packager.end();
    expect(packager.currentInitId).toBe(0);

    const { manifest, warnings } = parseM3u8(packager.playlist()!);
    expect(warnings).toEqual([]);
    expect(manifest.endList).toBe(true);
    expect(manifest.segments.map((s) => s.uri)).toEqual(manifest.segments.map((_, i) => `seg-${i}.m4s`));
    expect(manifest.segments.filter((s) => s.discontinuity).map((s) => s.uri)).toEqual([`seg-${afterFirst.msn + 1}.m4s`]);
    expect(manifest.segments.map((s) => s.timeline)).toEqual(manifest.segments.map((_, i) => (i <= afterFirst.msn ? 0 : 1)));

    // The second publish's segments play on their own: H.264 + AAC, 4 s.
    const second = manifest.segments.slice(afterFirst.msn + 1).map((s) => {
      const name = parseResourceName(s.uri);
      if (name?.kind !== "segment") throw new Error(`unexpected URI ${s.uri}`);
      return packager.getSegment(name.msn)!;
    });
    const file = path.join(dir, "second.mp4");
    await writeFile(file, Buffer.concat([packager.getInit(0)!, ...second]));
    const probe = await ffprobeJson(["-show_entries", "stream=codec_name:format=duration", file]);
    expect(probe.streams.map((s: { codec_name: string }) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    expect(Number(probe.format.duration)).toBeCloseTo(4, 0);
  });
});
