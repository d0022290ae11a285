// Regenerates muxer-fmp4.bin: what the ingest's muxer writes (init segment, then parts) for a short
// H.264 + AAC publish encoded by ffmpeg, as seed for the fMP4 fuzz targets. Small on purpose (mutating large inputs
// is slow): 64x36 at 10 fps, a keyframe every 3 frames, 100 ms fragments.
// Run: npx tsx tests/fuzz/seeds/record-fmp4.ts
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Fmp4Muxer } from "../../../ingest/src/mp4/fmp4-muxer.js";
import { flvToMedia } from "../../ingest/mp4/flv-media.js";

const dir = mkdtempSync(path.join(tmpdir(), "fuzz-seed-"));
try {
  const flv = path.join(dir, "seed.flv");
  execFileSync("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=64x36:rate=10",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=16000",
    "-t",
    "0.6",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "3",
    "-sc_threshold",
    "0",
    "-threads",
    "1",
    "-c:a",
    "aac",
    "-b:a",
    "16k",
    "-ac",
    "1",
    "-fflags",
    "+bitexact",
    "-flags:v",
    "+bitexact",
    "-flags:a",
    "+bitexact",
    "-f",
    "flv",
    flv,
  ]);
  const muxer = new Fmp4Muxer({ partMs: 100 });
  const outputs = [...flvToMedia(readFileSync(flv)).flatMap((e) => muxer.push(e)), ...muxer.flush()];
  const fmp4 = Buffer.concat(outputs.flatMap((o) => (o.kind === "discontinuity" ? [] : [o.bytes])));
  writeFileSync(new URL("./muxer-fmp4.bin", import.meta.url), fmp4);
  console.log(`wrote ${fmp4.length} bytes`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
