// AMF0: decoding never throws (typed Amf0Error results only), and whatever decodes can be encoded again and
// decodes to the same thing (the session re-encodes a publisher's onMetaData for ffmpeg).
import type * as Amf0 from "../../../ingest/src/rtmp/amf0.js";
import type * as Errors from "../../../ingest/src/rtmp/errors.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";
import { HANDSHAKE_BYTES, rtmpPublish } from "./seeds.js";
import type * as ChunkReaderModule from "../../../ingest/src/rtmp/chunk-reader.js";

export async function load(root: string): Promise<FuzzTarget> {
  const amf0 = await importFrom<typeof Amf0>(root, "rtmp/amf0");
  const { Amf0Error } = await importFrom<typeof Errors>(root, "rtmp/errors");
  const { ChunkReader } = await importFrom<typeof ChunkReaderModule>(root, "rtmp/chunk-reader");
  // Seeds: every command and data message body ffmpeg sent (connect, releaseStream, FCPublish, createStream,
  // publish, @setDataFrame onMetaData), plus one of each marker.
  const bodies = new ChunkReader()
    .push(rtmpPublish().subarray(HANDSHAKE_BYTES))
    .messages.filter((m) => m.typeId === 18 || m.typeId === 20)
    .map((m) => m.payload);
  const samples = amf0.encodeAmf0([
    1.5,
    true,
    "s",
    null,
    undefined,
    new Date(0),
    [1, "a"],
    { k: { n: 2 } },
    new amf0.Amf0EcmaArray({ a: 1 }),
  ]);

  const limits = { maxDepth: 16, maxValues: 4096 };
  return {
    files: ["rtmp/amf0.ts"],
    seeds: [...bodies, samples],
    dictionary: [
      ...[0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x07, 0x10, 0x11].map((m) => Buffer.of(m)),
      Buffer.of(0, 0, 9), // object end
      Buffer.of(0xff, 0xff, 0xff, 0xff),
      ...ascii("onMetaData", "@setDataFrame", "__proto__", "constructor"),
    ],
    maxLength: 8192,
    run(data) {
      const first = amf0.decodeAmf0(data, limits);
      if (!first.ok) {
        check(first.error instanceof Amf0Error, "decode failed with something other than an Amf0Error");
        return;
      }
      let encoded: Buffer;
      try {
        encoded = amf0.encodeAmf0(first.value);
      } catch (err) {
        throw new Error(`decoded values do not encode again: ${(err as Error).message}`);
      }
      const second = amf0.decodeAmf0(encoded, { ...limits, maxValues: Infinity });
      check(second.ok, `re-encoded values do not decode: ${second.ok ? "" : second.error.message}`);
      check(amf0.encodeAmf0(second.value).equals(encoded), "decode(encode(x)) is not x");
      for (const v of first.value) amf0.amf0Properties(v);
    },
  };
}
