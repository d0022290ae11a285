// Writes the init segment (ftyp + moov) of a fragmented MP4 with an H.264 and/or an AAC track, from
// the publisher's codec configuration (avcC / AudioSpecificConfig passed through unchanged).
import type { AacConfig } from "./aac-config.js";
import type { AvcConfig } from "./avc-config.js";
import { box, fullBox, u16, u32, u8, zeros } from "./box-writer.js";

export const VIDEO_TIMESCALE = 90_000;
export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;

export interface InitTracks {
  video?: AvcConfig;
  audio?: AacConfig;
}

const MATRIX = Buffer.concat([u32(0x0001_0000), u32(0), u32(0), u32(0), u32(0x0001_0000), u32(0), u32(0), u32(0), u32(0x4000_0000)]);
const LANGUAGE_UND = 0x55c4;

/**
 * An MPEG-4 descriptor (ISO 14496-1 8.3.3): tag, size, body. The size always takes 4 bytes (0x80 0x80 0x80 n),
 * as ffmpeg writes it: mux.js (in VHS) reads esds at fixed offsets and, with 1-byte sizes, takes the stream
 * type for the audio object type (AAC-LC announced as mp4a.40.5).
 */
function descriptor(tag: number, ...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  if (payload.length >= 1 << 28) throw new RangeError(`descriptor of ${payload.length} bytes`);
  const n = payload.length;
  return Buffer.concat([
    u8(tag),
    Buffer.of(0x80 | ((n >> 21) & 0x7f), 0x80 | ((n >> 14) & 0x7f), 0x80 | ((n >> 7) & 0x7f), n & 0x7f),
    payload,
  ]);
}

function esds(trackId: number, asc: Buffer): Buffer {
  const decoderConfig = descriptor(
    0x04,
    u8(0x40), // Audio ISO/IEC 14496-3
    u8((0x05 << 2) | 0x01), // audio stream, upstream 0, reserved 1
    Buffer.alloc(3), // bufferSizeDB
    u32(0), // maxBitrate
    u32(0), // avgBitrate
    descriptor(0x05, asc),
  );
  return fullBox("esds", 0, 0, descriptor(0x03, u16(trackId), u8(0), decoderConfig, descriptor(0x06, u8(0x02))));
}

function avc1(config: AvcConfig): Buffer {
  return box(
    "avc1",
    zeros(6),
    u16(1), // data_reference_index
    zeros(16), // pre_defined, reserved
    u16(config.width),
    u16(config.height),
    u32(0x0048_0000), // 72 dpi
    u32(0x0048_0000),
    u32(0),
    u16(1), // frame_count
    zeros(32), // compressorname
    u16(0x0018), // depth
    u16(0xffff), // pre_defined = -1
    box("avcC", config.avcC),
  );
}

function mp4a(config: AacConfig): Buffer {
  return box(
    "mp4a",
    zeros(6),
    u16(1),
    zeros(8),
    u16(config.channels),
    u16(16), // samplesize
    zeros(4),
    // 16.16 fixed point; rates above 65535 Hz do not fit: esds carries the real one.
    u32(config.sampleRate <= 0xffff ? config.sampleRate * 0x1_0000 : 0),
    esds(AUDIO_TRACK_ID, config.asc),
  );
}

function trak(id: number, timescale: number, handler: "vide" | "soun", entry: Buffer, width = 0, height = 0): Buffer {
  const tkhd = fullBox(
    "tkhd",
    0,
    0x000003, // enabled, in movie
    u32(0),
    u32(0), // creation, modification
    u32(id),
    u32(0),
    u32(0), // duration
    zeros(8),
    u16(0), // layer
    u16(0), // alternate_group
    u16(handler === "soun" ? 0x0100 : 0), // volume
    u16(0),
    MATRIX,
    u32(width * 0x1_0000),
    u32(height * 0x1_0000),
  );
  const mdhd = fullBox("mdhd", 0, 0, u32(0), u32(0), u32(timescale), u32(0), u16(LANGUAGE_UND), u16(0));
  const name = handler === "vide" ? "VideoHandler" : "SoundHandler";
  const hdlr = fullBox("hdlr", 0, 0, u32(0), Buffer.from(handler, "latin1"), zeros(12), Buffer.from(`${name}\0`, "latin1"));
  const mediaHeader = handler === "vide" ? fullBox("vmhd", 0, 1, zeros(8)) : fullBox("smhd", 0, 0, zeros(4));
  const dinf = box("dinf", fullBox("dref", 0, 0, u32(1), fullBox("url ", 0, 1)));
  const stbl = box(
    "stbl",
    fullBox("stsd", 0, 0, u32(1), entry),
    fullBox("stts", 0, 0, u32(0)),
    fullBox("stsc", 0, 0, u32(0)),
    fullBox("stsz", 0, 0, u32(0), u32(0)),
    fullBox("stco", 0, 0, u32(0)),
  );
  return box("trak", tkhd, box("mdia", mdhd, hdlr, box("minf", mediaHeader, dinf, stbl)));
}

const trex = (id: number) => fullBox("trex", 0, 0, u32(id), u32(1), u32(0), u32(0), u32(0));

/** ftyp + moov for the given tracks (video is track 1 at 90 kHz, audio track 2 at its sampling rate). */
export function writeInitSegment(tracks: InitTracks): Buffer {
  if (!tracks.video && !tracks.audio) throw new RangeError("an init segment needs at least one track");
  const ftyp = box("ftyp", Buffer.from("iso5", "latin1"), u32(512), Buffer.from("iso5iso6mp41", "latin1"));
  const traks: Buffer[] = [];
  const trexes: Buffer[] = [];
  if (tracks.video) {
    const v = tracks.video;
    traks.push(trak(VIDEO_TRACK_ID, VIDEO_TIMESCALE, "vide", avc1(v), v.width, v.height));
    trexes.push(trex(VIDEO_TRACK_ID));
  }
  if (tracks.audio) {
    traks.push(trak(AUDIO_TRACK_ID, tracks.audio.sampleRate, "soun", mp4a(tracks.audio)));
    trexes.push(trex(AUDIO_TRACK_ID));
  }
  const mvhd = fullBox(
    "mvhd",
    0,
    0,
    u32(0),
    u32(0),
    u32(1000), // timescale
    u32(0), // duration (fragmented: unknown)
    u32(0x0001_0000), // rate 1.0
    u16(0x0100), // volume 1.0
    zeros(10),
    MATRIX,
    zeros(24),
    u32(AUDIO_TRACK_ID + 1), // next_track_ID
  );
  return Buffer.concat([ftyp, box("moov", mvhd, ...traks, box("mvex", ...trexes))]);
}
