// Reads what the packager needs from fragmented MP4: track setup from the init segment
// (ftyp+moov) and per-sample durations, sizes and sync flags from each fragment (moof+mdat).
import { codecString } from "./codec-strings.js";
import { Mp4FormatError } from "./mp4-box-splitter.js";
import { childBoxes, findBox, readSafeUint64, requireBox, requirePath, withMp4Errors } from "./mp4-boxes.js";

interface SampleDefaults {
  duration: number;
  size: number;
  flags: number;
}

export interface TrackInfo {
  id: number;
  kind: "video" | "audio";
  timescale: number;
  /** RFC 6381 codec string, e.g. `avc1.64001f`, `mp4a.40.2`. */
  codec: string;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  /** trex defaults, used when a fragment's tfhd/trun leave a value out. */
  defaults: SampleDefaults;
}

export interface InitInfo {
  tracks: TrackInfo[];
}

interface SampleInfo {
  duration: number;
  size: number;
  isSync: boolean;
  /** pts - dts, in the track's timescale (trun v0: unsigned, v1: signed; 0 when absent). */
  compositionOffset: number;
}

interface TrackFragment {
  id: number;
  baseMediaDecodeTime: number;
  /** Sum of the sample durations, in the track's timescale. */
  duration: number;
  samples: SampleInfo[];
}

export interface FragmentInfo {
  sequenceNumber: number;
  tracks: TrackFragment[];
}

const NON_SYNC_SAMPLE = 0x0001_0000;

function parseVisualEntry(entry: Buffer): { width: number; height: number; children: Buffer } {
  // SampleEntry (8) + VisualSampleEntry fields (70) precede the child boxes (avcC, pasp, ...).
  return { width: entry.readUInt16BE(24), height: entry.readUInt16BE(26), children: entry.subarray(78) };
}

function parseAudioEntry(entry: Buffer): { channels: number; sampleRate: number; children: Buffer } {
  // QuickTime sound description versions 1 and 2 append 16 / 36 bytes before the child boxes.
  const version = entry.readUInt16BE(8);
  const extra = version === 1 ? 16 : version === 2 ? 36 : 0;
  if (version === 2) {
    return {
      sampleRate: Math.round(entry.readDoubleBE(32)),
      channels: entry.readUInt32BE(40),
      children: entry.subarray(28 + extra),
    };
  }
  return { channels: entry.readUInt16BE(16), sampleRate: entry.readUInt32BE(24) >>> 16, children: entry.subarray(28 + extra) };
}

function parseTrak(trak: Buffer, trex: Map<number, SampleDefaults>): TrackInfo | null {
  const tkhd = requireBox(trak, "tkhd", "trak").body;
  const id = tkhd.readUInt32BE(tkhd[0] === 1 ? 20 : 12);
  const mdia = requireBox(trak, "mdia", "trak").body;
  const mdhd = requireBox(mdia, "mdhd", "mdia").body;
  const timescale = mdhd.readUInt32BE(mdhd[0] === 1 ? 20 : 12);
  if (timescale === 0) throw new Mp4FormatError("malformed", `track ${id} has timescale 0`);
  const hdlr = requireBox(mdia, "hdlr", "mdia").body;
  const handler = hdlr.toString("latin1", 8, 12);
  if (handler !== "vide" && handler !== "soun") return null;
  const stsd = requirePath(mdia, ["minf", "stbl", "stsd"], "mdia").body;
  // stsd: FullBox header (4) + entry_count (4), then the sample entries as boxes.
  const entry = childBoxes(stsd.subarray(8))[0];
  if (!entry) throw new Mp4FormatError("malformed", `track ${id} has no sample entry`);
  const defaults = trex.get(id) ?? { duration: 0, size: 0, flags: 0 };
  if (handler === "vide") {
    const v = parseVisualEntry(entry.body);
    return { id, kind: "video", timescale, codec: codecString(entry.type, v.children), width: v.width, height: v.height, defaults };
  }
  const a = parseAudioEntry(entry.body);
  return {
    id,
    kind: "audio",
    timescale,
    codec: codecString(entry.type, a.children),
    sampleRate: a.sampleRate,
    channels: a.channels,
    defaults,
  };
}

/** Parses an init segment (ftyp + moov); tracks other than video and audio are left out. */
export function parseInit(bytes: Uint8Array): InitInfo {
  return withMp4Errors("init segment", () => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const moov = requireBox(buf, "moov", "init segment").body;
    const trex = new Map<number, SampleDefaults>();
    const mvex = findBox(moov, "mvex");
    for (const box of mvex ? childBoxes(mvex.body) : []) {
      if (box.type !== "trex") continue;
      const b = box.body;
      trex.set(b.readUInt32BE(4), { duration: b.readUInt32BE(12), size: b.readUInt32BE(16), flags: b.readUInt32BE(20) });
    }
    const tracks: TrackInfo[] = [];
    for (const box of childBoxes(moov)) {
      if (box.type !== "trak") continue;
      const track = parseTrak(box.body, trex);
      if (track) tracks.push(track);
    }
    return { tracks };
  });
}

/**
 * Samples a fragment may still declare. Every real sample takes at least one byte of the fragment, so a count
 * above its size is corrupt; without this bound a 100-byte moof whose trun has no per-sample fields could
 * claim 2^32 samples and the loop below would hang the ingest (found by fuzzing).
 */
interface SampleBudget {
  left: number;
}

function parseTraf(traf: Buffer, init: InitInfo | undefined, budget: SampleBudget): TrackFragment {
  const tfhd = requireBox(traf, "tfhd", "traf").body;
  const tfhdFlags = tfhd.readUInt32BE(0) & 0xffffff;
  const id = tfhd.readUInt32BE(4);
  const trex = init?.tracks.find((t) => t.id === id)?.defaults;
  let pos = 8;
  if (tfhdFlags & 0x01) pos += 8; // base_data_offset
  if (tfhdFlags & 0x02) pos += 4; // sample_description_index
  const defaults: SampleDefaults = { duration: trex?.duration ?? 0, size: trex?.size ?? 0, flags: trex?.flags ?? 0 };
  if (tfhdFlags & 0x08) {
    defaults.duration = tfhd.readUInt32BE(pos);
    pos += 4;
  }
  if (tfhdFlags & 0x10) {
    defaults.size = tfhd.readUInt32BE(pos);
    pos += 4;
  }
  if (tfhdFlags & 0x20) defaults.flags = tfhd.readUInt32BE(pos);

  const tfdt = findBox(traf, "tfdt")?.body;
  const baseMediaDecodeTime = !tfdt ? 0 : tfdt[0] === 1 ? readSafeUint64(tfdt, 4, "baseMediaDecodeTime") : tfdt.readUInt32BE(4);

  const samples: SampleInfo[] = [];
  let duration = 0;
  for (const box of childBoxes(traf)) {
    if (box.type !== "trun") continue;
    const trun = box.body;
    const version = trun[0]!;
    const flags = trun.readUInt32BE(0) & 0xffffff;
    const count = trun.readUInt32BE(4);
    let p = 8;
    if (flags & 0x001) p += 4; // data_offset
    let firstFlags: number | undefined;
    if (flags & 0x004) {
      firstFlags = trun.readUInt32BE(p);
      p += 4;
    }
    const perSample = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
    if (count * perSample > trun.length - p) {
      throw new Mp4FormatError("truncated", `trun of track ${id} claims ${count} samples but is ${trun.length} bytes`);
    }
    if (count > budget.left) {
      throw new Mp4FormatError("malformed", `trun of track ${id} claims ${count} samples, more than the fragment has bytes`);
    }
    budget.left -= count;
    for (let i = 0; i < count; i++) {
      let d = defaults.duration;
      let s = defaults.size;
      let f = i === 0 && firstFlags !== undefined ? firstFlags : defaults.flags;
      if (flags & 0x100) {
        d = trun.readUInt32BE(p);
        p += 4;
      }
      if (flags & 0x200) {
        s = trun.readUInt32BE(p);
        p += 4;
      }
      if (flags & 0x400) {
        const sampleFlags = trun.readUInt32BE(p);
        p += 4;
        if (!(i === 0 && firstFlags !== undefined)) f = sampleFlags;
      }
      let cto = 0;
      if (flags & 0x800) {
        cto = version === 1 ? trun.readInt32BE(p) : trun.readUInt32BE(p);
        p += 4;
      }
      samples.push({ duration: d, size: s, isSync: (f & NON_SYNC_SAMPLE) === 0, compositionOffset: cto });
      duration += d;
    }
  }
  return { id, baseMediaDecodeTime, duration, samples };
}

/**
 * Parses a fragment (moof, usually followed by its mdat). `init` supplies the trex defaults for
 * values that neither tfhd nor trun carry.
 */
export function parseFragment(bytes: Uint8Array, init?: InitInfo): FragmentInfo {
  return withMp4Errors("fragment", () => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const moof = requireBox(buf, "moof", "fragment").body;
    const mfhd = requireBox(moof, "mfhd", "moof").body;
    const budget: SampleBudget = { left: buf.length };
    const tracks = childBoxes(moof)
      .filter((b) => b.type === "traf")
      .map((b) => parseTraf(b.body, init, budget));
    return { sequenceNumber: mfhd.readUInt32BE(4), tracks };
  });
}
