// Seed inputs: bytes recorded from real clients (ffmpeg publishing over RTMP, ffmpeg writing fMP4).
import { readFileSync } from "node:fs";

const fixture = (rel: string): Buffer => readFileSync(new URL(rel, import.meta.url));

/** Everything ffmpeg sends for a short publish: C0+C1, C2, then the chunk stream. */
export const rtmpPublish = (): Buffer => fixture("../../ingest/fixtures/rtmp/ffmpeg-publish.bin");

/** C0 + C1 + C2 take 1 + 1536 + 1536 bytes. */
export const HANDSHAKE_BYTES = 3073;

/** The ingest muxer's output for a short H.264 + AAC publish (ftyp, moov, then moof/mdat pairs). */
export const fmp4Stream = (): Buffer => fixture("../seeds/muxer-fmp4.bin");

/** Top-level boxes of an MP4 byte stream (well-formed input only: used on the recorded seed). */
export function topLevelBoxes(data: Buffer): { type: string; bytes: Buffer }[] {
  const boxes: { type: string; bytes: Buffer }[] = [];
  for (let at = 0; at + 8 <= data.length; ) {
    const size = data.readUInt32BE(at);
    boxes.push({ type: data.toString("latin1", at + 4, at + 8), bytes: data.subarray(at, at + size) });
    at += size;
  }
  return boxes;
}

/** The init segment (ftyp + moov) and each fragment (moof + mdat) of the recorded fMP4. */
export function fmp4Units(): { init: Buffer; fragments: Buffer[] } {
  const boxes = topLevelBoxes(fmp4Stream());
  const init = Buffer.concat(boxes.filter((b) => b.type === "ftyp" || b.type === "moov").map((b) => b.bytes));
  const fragments: Buffer[] = [];
  for (let i = 0; i + 1 < boxes.length; i++) {
    if (boxes[i]!.type === "moof" && boxes[i + 1]!.type === "mdat") fragments.push(Buffer.concat([boxes[i]!.bytes, boxes[i + 1]!.bytes]));
  }
  return { init, fragments };
}
