// H.264 decoder configuration (avcC) and its first SPS: what the init segment, the status page and
// the codec string need, and a refusal for what browsers cannot decode (MSE plays 8-bit 4:2:0
// Baseline, Main, Extended and High; High 10/4:2:2/4:4:4 do not play in Chromium or Safari).
import { BitReader, unescapeRbsp } from "./bit-reader.js";
import { CodecConfigError } from "./codec-config-error.js";

export interface AvcConfig {
  /** The AVCDecoderConfigurationRecord as received (goes into `avcC` unchanged). */
  avcC: Buffer;
  profile: number;
  compatibility: number;
  level: number;
  /** RFC 6381, `avc1.PPCCLL`. */
  codec: string;
  /** Display size after SPS cropping. */
  width: number;
  height: number;
  /** Bytes of each NAL unit's length prefix in the frames (1, 2 or 4). */
  nalLengthSize: number;
  sps: Buffer[];
  pps: Buffer[];
}

const PLAYABLE_PROFILES = new Map([
  [66, "Baseline"],
  [77, "Main"],
  [88, "Extended"],
  [100, "High"],
]);
// Profiles whose SPS carries chroma_format_idc and bit depths (H.264 7.3.2.1.1).
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
const MAX_DIMENSION = 16_384;

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

export interface SpsInfo {
  profile: number;
  level: number;
  chromaFormat: number;
  bitDepth: number;
  width: number;
  height: number;
}

/** Parses an SPS NAL unit (header byte included). Throws RangeError if it is cut short. */
export function parseSps(nal: Buffer): SpsInfo {
  if ((nal[0]! & 0x1f) !== 7) throw new CodecConfigError("invalid", `NAL unit type ${nal[0]! & 0x1f} where an SPS (7) belongs`);
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profile = r.u(8);
  r.u(8); // constraint flags
  const level = r.u(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let bitDepth = 8;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) r.u(1); // separate_colour_plane_flag
    bitDepth = 8 + r.ue();
    const chromaDepth = 8 + r.ue();
    if (chromaDepth !== bitDepth) bitDepth = Math.max(bitDepth, chromaDepth);
    r.u(1); // qpprime_y_zero_transform_bypass_flag
    if (r.u(1)) {
      for (let i = 0; i < (chromaFormat === 3 ? 12 : 8); i++) if (r.u(1)) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u(1);
    r.se();
    r.se();
    const cycle = r.ue();
    if (cycle > 255) throw new CodecConfigError("invalid", `SPS num_ref_frames_in_pic_order_cnt_cycle ${cycle} > 255`);
    for (let i = 0; i < cycle; i++) r.se();
  } else if (pocType !== 2) throw new CodecConfigError("invalid", `SPS pic_order_cnt_type ${pocType}`);
  r.ue(); // max_num_ref_frames
  r.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.u(1);
  if (!frameMbsOnly) r.u(1); // mb_adaptive_frame_field_flag
  r.u(1); // direct_8x8_inference_flag
  let crop = [0, 0, 0, 0];
  if (r.u(1)) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
  const [left, right, top, bottom] = crop as [number, number, number, number];
  const subWidth = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
  const subHeight = chromaFormat === 1 ? 2 : 1;
  const cropX = chromaFormat === 0 ? 1 : subWidth;
  const cropY = (chromaFormat === 0 ? 1 : subHeight) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropX * (left + right);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (top + bottom);
  return { profile, level, chromaFormat, bitDepth, width, height };
}

/** Parses and checks an AVCDecoderConfigurationRecord; throws CodecConfigError. */
export function parseAvcConfig(avcC: Buffer): AvcConfig {
  try {
    return readAvcConfig(avcC);
  } catch (err) {
    if (err instanceof RangeError) throw new CodecConfigError("invalid", "H.264 configuration (avcC) is cut short");
    throw err;
  }
}

function readAvcConfig(avcC: Buffer): AvcConfig {
  if (avcC.length < 7) throw new CodecConfigError("invalid", `H.264 configuration (avcC) of ${avcC.length} bytes`);
  if (avcC[0] !== 1) throw new CodecConfigError("invalid", `avcC configurationVersion ${avcC[0]}, expected 1`);
  const nalLengthSize = (avcC[4]! & 0x03) + 1;
  if (nalLengthSize === 3) throw new CodecConfigError("invalid", "avcC NAL length size 3");
  let pos = 5;
  const readNals = (count: number): Buffer[] => {
    const nals: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const length = avcC.readUInt16BE(pos);
      if (length === 0 || pos + 2 + length > avcC.length) throw new RangeError("parameter set overruns avcC");
      nals.push(avcC.subarray(pos + 2, pos + 2 + length));
      pos += 2 + length;
    }
    return nals;
  };
  const sps = readNals(avcC[pos++]! & 0x1f);
  const pps = readNals(avcC.readUInt8(pos++));
  if (sps.length === 0) throw new CodecConfigError("invalid", "avcC holds no SPS");
  if (pps.length === 0) throw new CodecConfigError("invalid", "avcC holds no PPS");
  const info = parseSps(sps[0]!);
  const profile = avcC[1]!;
  const level = avcC[3]!;
  const name = PLAYABLE_PROFILES.get(info.profile);
  if (!name)
    throw new CodecConfigError("unsupported", `H.264 profile ${info.profile} does not play in browsers (use Baseline, Main or High)`);
  if (info.chromaFormat !== 1)
    throw new CodecConfigError("unsupported", `H.264 chroma format ${info.chromaFormat} does not play in browsers (use 4:2:0, yuv420p)`);
  if (info.bitDepth !== 8)
    throw new CodecConfigError("unsupported", `H.264 ${info.bitDepth}-bit video does not play in browsers (use 8-bit)`);
  if (!(info.width > 0 && info.height > 0 && info.width <= MAX_DIMENSION && info.height <= MAX_DIMENSION)) {
    throw new CodecConfigError("invalid", `H.264 picture size ${info.width}x${info.height}`);
  }
  return {
    avcC,
    profile,
    compatibility: avcC[2]!,
    level,
    codec: `avc1.${hex2(profile)}${hex2(avcC[2]!)}${hex2(level)}`,
    width: info.width,
    height: info.height,
    nalLengthSize,
    sps,
    pps,
  };
}
