// AAC AudioSpecificConfig (ISO 14496-3 1.6.2.1): what the init segment, the codec string and the
// audio timeline need, and a refusal for what browsers cannot decode (MSE plays AAC-LC, HE-AAC and
// HE-AAC v2 with 1024-sample frames, mono to 5.1, at the standard sampling rates).
import { BitReader } from "./bit-reader.js";
import { CodecConfigError } from "./codec-config-error.js";

export interface AacConfig {
  /** The AudioSpecificConfig as received (goes into `esds` unchanged). */
  asc: Buffer;
  /** Audio object type: 2 AAC-LC, 5 HE-AAC (SBR), 29 HE-AAC v2 (PS). */
  objectType: number;
  /** Sampling rate of the AAC core: the track's timescale (one frame = 1024 ticks). */
  sampleRate: number;
  channels: number;
  /** RFC 6381, `mp4a.40.<objectType>`. */
  codec: string;
  /** Samples per frame at `sampleRate`. */
  frameSamples: 1024;
}

export const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const PLAYABLE_OBJECT_TYPES = new Map([
  [2, "AAC-LC"],
  [5, "HE-AAC"],
  [29, "HE-AAC v2"],
]);
const MAX_CHANNEL_CONFIG = 6; // 5.1

function objectType(r: BitReader): number {
  const aot = r.u(5);
  return aot === 31 ? 32 + r.u(6) : aot;
}

function samplingRate(r: BitReader): number {
  const index = r.u(4);
  if (index === 15) return r.u(24);
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) throw new CodecConfigError("invalid", `AAC sampling frequency index ${index} is reserved`);
  return rate;
}

/** Parses and checks an AudioSpecificConfig; throws CodecConfigError. */
export function parseAacConfig(asc: Buffer): AacConfig {
  try {
    return readAacConfig(asc);
  } catch (err) {
    if (err instanceof RangeError) throw new CodecConfigError("invalid", `AAC configuration of ${asc.length} bytes is cut short`);
    throw err;
  }
}

function readAacConfig(asc: Buffer): AacConfig {
  const r = new BitReader(asc);
  const aot = objectType(r);
  const sampleRate = samplingRate(r);
  const channels = r.u(4);
  let core = aot;
  if (aot === 5 || aot === 29) {
    samplingRate(r); // extension (output) rate; the core rate stays the timescale
    core = objectType(r);
  }
  if (aot === 0) throw new CodecConfigError("invalid", "AAC audio object type 0 (null)");
  if (!PLAYABLE_OBJECT_TYPES.has(aot) || core !== 2) {
    throw new CodecConfigError("unsupported", `AAC audio object type ${aot} does not play in browsers (use AAC-LC)`);
  }
  // GASpecificConfig: frameLengthFlag 1 = 960-sample frames, which browsers do not decode.
  if (r.u(1) === 1) throw new CodecConfigError("unsupported", "AAC with 960-sample frames does not play in browsers");
  const plainGa = r.bitsLeft >= 2 && r.u(1) === 0 && r.u(1) === 0; // dependsOnCoreCoder, extensionFlag
  // ffmpeg's encoder appends "no SBR here" signalling (sync extension 0x2b7) to AAC-LC; some players (VHS) read
  // that as HE-AAC (mp4a.40.5). Plain AAC-LC goes into the init segment as its 2-byte core, as ffmpeg's MP4 muxer writes it.
  const stored = aot === 2 && plainGa && r.bitsLeft > 0 ? plainLcConfig(asc, channels) : asc;
  if (channels === 0)
    throw new CodecConfigError("unsupported", "AAC channel layout from a program config element is not supported (use mono or stereo)");
  if (channels > MAX_CHANNEL_CONFIG)
    throw new CodecConfigError("unsupported", `AAC channel configuration ${channels} does not play in browsers (use up to 5.1)`);
  if (!(sampleRate >= 7350 && sampleRate <= 96000)) throw new CodecConfigError("unsupported", `AAC sampling rate ${sampleRate} Hz`);
  return { asc: stored, objectType: aot, sampleRate, channels, codec: `mp4a.40.${aot}`, frameSamples: 1024 };
}

/** The 2-byte AudioSpecificConfig of plain AAC-LC (object type 2, frequency index, channels, GA flags 0). */
function plainLcConfig(asc: Buffer, channels: number): Buffer {
  const index = ((asc[0]! & 0x07) << 1) | (asc[1]! >> 7);
  // An explicit 24-bit rate (index 15) keeps its original form.
  if (index === 15) return asc;
  const bits = (2 << 11) | (index << 7) | (channels << 3);
  return Buffer.of(bits >> 8, bits & 0xff);
}
