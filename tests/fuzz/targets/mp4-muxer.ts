// The in-process muxer and its timeline driven by arbitrary MediaEvent sequences (decoded from the input
// bytes: configs, frames with signed timestamp steps, jumps, B-frame offsets, empty frames). Only
// CodecConfigError may escape; every init and part it writes parses back, no part exceeds the
// PART-TARGET it announces, and decode times never run backwards within one init segment.
import type * as Reader from "../../../ingest/src/mp4/fmp4-reader.js";
import type * as ConfigError from "../../../ingest/src/mp4/codec-config-error.js";
import type * as Muxer from "../../../ingest/src/mp4/fmp4-muxer.js";
import type { MediaEvent } from "../../../ingest/src/streams/media.js";
import { check, importFrom, type FuzzTarget } from "../engine/target.js";
import { fmp4Units } from "./seeds.js";

/** The avcC inside the recorded init segment (a real x264 configuration). */
function recordedAvcC(): Buffer {
  const { init } = fmp4Units();
  const at = init.indexOf("avcC");
  return init.subarray(at + 4, at - 4 + init.readUInt32BE(at - 4));
}

const AAC_LC_48K_STEREO = Buffer.from("1190", "hex");

/** Input format: per event an op byte, then its fields (see decode). */
export function encodeEvents(events: MediaEvent[]): Buffer {
  const out: Buffer[] = [];
  let last = 0;
  for (const e of events) {
    if (e.kind === "video-config" || e.kind === "audio-config") {
      const bytes = e.kind === "video-config" ? e.config.avcC : e.config.asc;
      out.push(Buffer.of(e.kind === "video-config" ? 0 : 1, bytes.length), bytes);
      continue;
    }
    const step = Buffer.alloc(2);
    step.writeInt16BE(Math.round(e.dts - last));
    last = e.dts;
    if (e.kind === "video") {
      const cto = Buffer.alloc(2);
      cto.writeInt16BE(Math.round(e.pts - e.dts));
      out.push(Buffer.of(2, e.keyframe ? 1 : 0), step, cto, Buffer.of(e.data.length & 0xff));
    } else {
      out.push(Buffer.of(3), step, Buffer.of(e.data.length & 0xff));
    }
  }
  return Buffer.concat(out);
}

function decode(data: Buffer): MediaEvent[] {
  const events: MediaEvent[] = [];
  let dts = 0;
  let pos = 0;
  const byte = () => (pos < data.length ? data[pos++]! : 0);
  const int16 = () => (((byte() << 8) | byte()) << 16) >> 16;
  while (pos < data.length) {
    const op = byte() % 4;
    if (op <= 1) {
      const length = byte();
      const bytes = data.subarray(pos, pos + length);
      pos += length;
      events.push(
        op === 0
          ? { kind: "video-config", config: { codec: "h264", avcC: bytes } }
          : { kind: "audio-config", config: { codec: "aac", asc: bytes } },
      );
    } else if (op === 2) {
      const flags = byte();
      // Flag 2: the step is in seconds (jumps of up to 9 hours either way).
      dts += int16() * (flags & 2 ? 1000 : 1);
      const cto = int16();
      events.push({ kind: "video", dts, pts: dts + cto, keyframe: (flags & 1) === 1, data: Buffer.alloc(byte(), 0xab) });
    } else {
      dts += int16();
      events.push({ kind: "audio", dts, data: Buffer.alloc(byte(), 0x21) });
    }
  }
  return events;
}

export async function load(root: string): Promise<FuzzTarget> {
  const { Fmp4Muxer } = await importFrom<typeof Muxer>(root, "mp4/fmp4-muxer");
  const { CodecConfigError } = await importFrom<typeof ConfigError>(root, "mp4/codec-config-error");
  const { parseInit, parseFragment } = await importFrom<typeof Reader>(root, "mp4/fmp4-reader");
  const avcC = recordedAvcC();
  const av: MediaEvent[] = [
    { kind: "video-config", config: { codec: "h264", avcC } },
    { kind: "audio-config", config: { codec: "aac", asc: AAC_LC_48K_STEREO } },
  ];
  for (let i = 0; i < 90; i++) {
    const dts = Math.round((i * 1000) / 30);
    av.push({ kind: "video", dts, pts: dts + (i % 3) * 33, keyframe: i % 30 === 0, data: Buffer.alloc(40) });
    while (av.filter((e) => e.kind === "audio").length * 21.333 < dts) {
      av.push({ kind: "audio", dts: Math.round(av.filter((e) => e.kind === "audio").length * 21.333), data: Buffer.alloc(8) });
    }
  }
  const audioOnly = av.filter((e) => e.kind === "audio" || e.kind === "audio-config");

  return {
    files: ["mp4/fmp4-muxer.ts", "mp4/media-timeline.ts", "mp4/fragment-writer.ts", "mp4/init-segment-writer.ts"],
    seeds: [encodeEvents(av), encodeEvents(audioOnly), encodeEvents([...av.slice(0, 60), ...av.slice(0, 2), ...av.slice(60)])],
    dictionary: [
      Buffer.of(2, 3),
      Buffer.of(2, 1),
      Buffer.of(0x80, 0),
      Buffer.of(0x7f, 0xff),
      Buffer.of(0, 0x21),
      Buffer.of(0, 0x22),
      Buffer.from("1190", "hex"),
      Buffer.from("1210", "hex"),
    ],
    maxLength: 4_096,
    run(data) {
      const muxer = new Fmp4Muxer({ partMs: 100 + (data.length % 200) });
      let init: ReturnType<typeof parseInit> | undefined;
      const ends = new Map<number, number>();
      const inspect = (outputs: ReturnType<InstanceType<typeof Fmp4Muxer>["push"]>) => {
        for (const o of outputs) {
          if (o.kind === "init") {
            init = parseInit(o.bytes);
            check(init.tracks.length > 0, "init without tracks");
            ends.clear();
          } else if (o.kind === "part") {
            check(init !== undefined, "part before init");
            check(o.maxTrackS <= o.partTargetS + 1e-9, `part of ${o.maxTrackS} s over PART-TARGET ${o.partTargetS}`);
            check(o.durationS >= 0 && o.durationS <= o.maxTrackS + 1e-9, `part duration ${o.durationS} / ${o.maxTrackS}`);
            for (const t of parseFragment(o.bytes, init).tracks) {
              check(t.samples.length > 0, "empty traf");
              const end = ends.get(t.id);
              check(end === undefined || t.baseMediaDecodeTime >= end, `track ${t.id} decode time ${t.baseMediaDecodeTime} before ${end}`);
              ends.set(t.id, t.baseMediaDecodeTime + t.duration);
            }
          }
        }
      };
      for (const event of decode(data)) {
        try {
          inspect(muxer.push(event));
        } catch (err) {
          if (err instanceof CodecConfigError) continue;
          throw err;
        }
      }
      inspect(muxer.flush());
    },
  };
}
