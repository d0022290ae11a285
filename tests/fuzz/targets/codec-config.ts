// The publisher's codec configuration parsers (avcC with its SPS, AudioSpecificConfig) on arbitrary bytes:
// a config or a CodecConfigError, and what they accept is something an init segment can carry.
import type * as Aac from "../../../ingest/src/mp4/aac-config.js";
import type * as Avc from "../../../ingest/src/mp4/avc-config.js";
import type * as ConfigError from "../../../ingest/src/mp4/codec-config-error.js";
import { check, importFrom, type FuzzTarget } from "../engine/target.js";
import { fmp4Units } from "./seeds.js";

export async function load(root: string): Promise<FuzzTarget> {
  const { parseAvcConfig } = await importFrom<typeof Avc>(root, "mp4/avc-config");
  const { parseAacConfig } = await importFrom<typeof Aac>(root, "mp4/aac-config");
  const { CodecConfigError } = await importFrom<typeof ConfigError>(root, "mp4/codec-config-error");
  const { init } = fmp4Units();
  const at = init.indexOf("avcC");
  const avcC = init.subarray(at + 4, at - 4 + init.readUInt32BE(at - 4));
  return {
    files: ["mp4/avc-config.ts", "mp4/aac-config.ts", "mp4/bit-reader.ts"],
    // First byte picks the parser (even: avcC, odd: AudioSpecificConfig).
    seeds: [
      Buffer.concat([Buffer.of(0), avcC]),
      Buffer.from("011190", "hex"),
      Buffer.from("01eb1188", "hex"),
      Buffer.from("0117805dc010", "hex"),
    ],
    dictionary: [Buffer.of(0x67), Buffer.of(0x68), Buffer.of(0, 0, 3), Buffer.of(0xe1), Buffer.of(0xff), Buffer.of(0x64), Buffer.of(0x1f)],
    maxLength: 1_024,
    run(data) {
      const body = data.subarray(1);
      try {
        if ((data[0] ?? 0) % 2 === 0) {
          const c = parseAvcConfig(body);
          check(c.width > 0 && c.height > 0 && c.width <= 16_384 && c.height <= 16_384, `size ${c.width}x${c.height}`);
          check(/^avc1\.[0-9a-f]{6}$/.test(c.codec), `codec ${c.codec}`);
        } else {
          const c = parseAacConfig(body);
          check([2, 5, 29].includes(c.objectType) && c.channels >= 1 && c.channels <= 6, `aot ${c.objectType} ch ${c.channels}`);
          check(c.sampleRate >= 7350 && c.sampleRate <= 96_000, `rate ${c.sampleRate}`);
        }
      } catch (err) {
        if (!(err instanceof CodecConfigError)) throw err;
      }
    },
  };
}
