// RFC 6381 codec strings from MP4 sample entries (what MSE and the status page need).
import { Mp4FormatError } from "./mp4-box-splitter.js";
import { findBox } from "./mp4-boxes.js";

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

/** `avc1.PPCCLL` from an avcC body (profile, constraint flags, level). */
export function avcCodecString(fourcc: string, avcC: Buffer): string {
  if (avcC.length < 4) throw new Mp4FormatError("truncated", "avcC shorter than 4 bytes");
  return `${fourcc}.${hex2(avcC[1]!)}${hex2(avcC[2]!)}${hex2(avcC[3]!)}`;
}

/** Reads an MPEG-4 descriptor header (tag + 1..4 byte size); returns the body range. */
function readDescriptor(buf: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = buf.readUInt8(offset);
  let size = 0;
  let pos = offset + 1;
  for (let i = 0; i < 4; i++) {
    const b = buf.readUInt8(pos++);
    size = (size << 7) | (b & 0x7f);
    if ((b & 0x80) === 0) break;
  }
  if (pos + size > buf.length) throw new Mp4FormatError("truncated", `descriptor 0x${hex2(tag)} overruns esds`);
  return { tag, start: pos, end: pos + size };
}

/** `mp4a.40.<audio object type>` (or `mp4a.<oti>` for non-AAC) from an esds body. */
export function mp4aCodecString(esds: Buffer): string {
  // esds is a FullBox: 4 bytes version + flags, then the ES_Descriptor.
  const es = readDescriptor(esds, 4);
  if (es.tag !== 0x03) throw new Mp4FormatError("malformed", `esds starts with tag 0x${hex2(es.tag)}, expected 0x03`);
  let pos = es.start + 2; // ES_ID
  const flags = esds.readUInt8(pos++);
  if (flags & 0x80) pos += 2; // dependsOn_ES_ID
  if (flags & 0x40) pos += 1 + esds.readUInt8(pos); // URL
  if (flags & 0x20) pos += 2; // OCR_ES_Id
  const dc = readDescriptor(esds, pos);
  if (dc.tag !== 0x04) throw new Mp4FormatError("malformed", `expected DecoderConfigDescriptor, got tag 0x${hex2(dc.tag)}`);
  const oti = esds.readUInt8(dc.start);
  if (oti !== 0x40) return `mp4a.${hex2(oti)}`;
  const dsiOffset = dc.start + 13;
  if (dsiOffset >= dc.end) return "mp4a.40.2"; // no AudioSpecificConfig: assume AAC-LC
  const dsi = readDescriptor(esds, dsiOffset);
  if (dsi.tag !== 0x05) return "mp4a.40.2";
  let aot = esds.readUInt8(dsi.start) >> 3;
  if (aot === 31) aot = 32 + (((esds.readUInt8(dsi.start) & 0x07) << 3) | (esds.readUInt8(dsi.start + 1) >> 5));
  return `mp4a.40.${aot}`;
}

const SIMPLE_CODECS: Record<string, string> = { Opus: "opus", fLaC: "flac", "ac-3": "ac-3", "ec-3": "ec-3", ".mp3": "mp3" };

/** Codec string for a sample entry; unknown entries give their four-character code. */
export function codecString(fourcc: string, children: Buffer): string {
  if (fourcc === "avc1" || fourcc === "avc3") {
    const avcC = findBox(children, "avcC");
    if (!avcC) throw new Mp4FormatError("malformed", `${fourcc} sample entry without avcC`);
    return avcCodecString(fourcc, avcC.body);
  }
  if (fourcc === "mp4a") {
    const esds = findBox(children, "esds");
    return esds ? mp4aCodecString(esds.body) : "mp4a.40.2";
  }
  return SIMPLE_CODECS[fourcc] ?? fourcc;
}
