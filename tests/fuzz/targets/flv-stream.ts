// The FLV reader of transcoders' output (transcode/flv-reader.ts) on mutated FLV streams, pushed in random
// chunks: tags or FlvFormatError, nothing else; the same tags whatever the chunking; each tag's body is the
// declared size and its timestamp a 32-bit unsigned number.
import type * as Reader from "../../../ingest/src/transcode/flv-reader.js";
import type { FlvTag } from "../../../ingest/src/rtmp/flv.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";

function tag(type: number, timestamp: number, body: Buffer): Buffer {
  const h = Buffer.alloc(11);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  h.writeUIntBE(timestamp & 0xffffff, 4, 3);
  h[7] = timestamp >>> 24;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + body.length);
  return Buffer.concat([h, body, prev]);
}

export async function load(root: string): Promise<FuzzTarget> {
  const { FlvReader, FlvFormatError } = await importFrom<typeof Reader>(root, "transcode/flv-reader");
  const header = Buffer.concat([Buffer.from("FLV"), Buffer.of(1, 5, 0, 0, 0, 9), Buffer.alloc(4)]);
  const seed = Buffer.concat([
    header,
    tag(18, 0, Buffer.from("\x02\x00\x0aonMetaData", "latin1")),
    tag(9, 0, Buffer.of(0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff)),
    tag(8, 0, Buffer.of(0xaf, 0, 0x11, 0x90)),
    tag(9, 33, Buffer.of(0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41)),
    tag(8, 0x01000015, Buffer.of(0xaf, 1, 0x21, 0x10)),
  ]);

  const read = (data: Buffer, chunk: number): FlvTag[] | "error" => {
    const reader = new FlvReader();
    const tags: FlvTag[] = [];
    try {
      for (let i = 0; i < data.length; i += chunk) tags.push(...reader.push(data.subarray(i, i + chunk)));
    } catch (error) {
      check(error instanceof FlvFormatError, `FlvReader threw ${String(error)}`);
      return "error";
    }
    return tags;
  };

  return {
    files: ["transcode/flv-reader.ts"],
    seeds: [seed],
    dictionary: [...ascii("FLV"), Buffer.of(8), Buffer.of(9), Buffer.of(18), Buffer.of(0xff, 0xff, 0xff), Buffer.of(0, 0, 0, 11)],
    maxLength: 8192,
    run(data) {
      const whole = read(data, Math.max(1, data.length));
      const chunked = read(data, 1 + (data.length % 7));
      check((whole === "error") === (chunked === "error"), "chunking changed whether the stream is readable");
      if (whole === "error" || chunked === "error") return;
      check(chunked.length === whole.length, `chunking changed the tag count (${chunked.length} != ${whole.length})`);
      for (const [i, t] of whole.entries()) {
        check(t.timestamp >= 0 && t.timestamp <= 0xffffffff, `timestamp ${t.timestamp}`);
        check(t.type === chunked[i]!.type && t.data.equals(chunked[i]!.data), `tag ${i} differs when chunked`);
      }
    },
  };
}
