import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChunkReader, type ChunkReaderLimits } from "../../../ingest/src/rtmp/chunk-reader.js";
import { ChunkWriter } from "../../../ingest/src/rtmp/chunk-writer.js";
import { parseCommand } from "../../../ingest/src/rtmp/commands.js";
import { ChunkError } from "../../../ingest/src/rtmp/errors.js";
import { setChunkSizeMessage, type RtmpMessage } from "../../../ingest/src/rtmp/messages.js";

interface ChunkSpec {
  fmt: 0 | 1 | 2 | 3;
  csid: number;
  /** Timestamp (fmt 0) or delta (fmt 1/2); written as 0xFFFFFF + 4 extended bytes when it does not fit 24 bits. */
  ts?: number;
  len?: number;
  type?: number;
  sid?: number;
  /** Extended timestamp carried by a fmt 3 chunk. */
  ext?: number;
  payload: Buffer;
}

/** Writes chunk bytes straight from the spec's layout, independent of the module's writer. */
function chunk(s: ChunkSpec): Buffer {
  const parts: number[] = [];
  if (s.csid < 64) parts.push((s.fmt << 6) | s.csid);
  else if (s.csid < 320) parts.push(s.fmt << 6, s.csid - 64);
  else parts.push((s.fmt << 6) | 1, (s.csid - 64) & 0xff, (s.csid - 64) >> 8);
  const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  let ext: number | undefined = s.ext;
  if (s.fmt <= 2) {
    const ts = s.ts ?? 0;
    if (ts >= 0xffffff) ext = ts;
    parts.push(...u24(ts >= 0xffffff ? 0xffffff : ts));
    if (s.fmt <= 1) parts.push(...u24(s.len ?? s.payload.length), s.type ?? 0);
    if (s.fmt === 0) parts.push(...u32(s.sid ?? 0).reverse());
  }
  if (ext !== undefined) parts.push(...u32(ext));
  return Buffer.concat([Buffer.from(parts), s.payload]);
}

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const u32be = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

const video300 = bytes(300, 1);
const video200 = bytes(200, 2);
const big1000 = bytes(1000, 3);
const aborted = bytes(5000, 4);

/** A stream using every header form, continuation chunks, extended timestamps, Set Chunk Size and Abort. */
const stream = Buffer.concat([
  chunk({ fmt: 0, csid: 3, ts: 1000, type: 20, sid: 0, payload: bytes(10, 0) }),
  chunk({ fmt: 0, csid: 4, ts: 0, len: 300, type: 9, sid: 1, payload: video300.subarray(0, 128) }),
  chunk({ fmt: 0, csid: 5, ts: 5, type: 8, sid: 1, payload: bytes(4, 9) }), // interleaved between chunks of csid 4
  chunk({ fmt: 3, csid: 4, payload: video300.subarray(128, 256) }),
  chunk({ fmt: 3, csid: 4, payload: video300.subarray(256) }),
  chunk({ fmt: 1, csid: 4, ts: 33, type: 9, payload: bytes(20, 5) }),
  chunk({ fmt: 2, csid: 4, ts: 40, payload: bytes(20, 6) }),
  chunk({ fmt: 3, csid: 4, payload: bytes(20, 7) }), // new message: same length, same delta again
  chunk({ fmt: 0, csid: 70, ts: 7, type: 18, sid: 1, payload: bytes(3, 8) }), // 2-byte basic header
  chunk({ fmt: 0, csid: 400, ts: 8, type: 18, sid: 1, payload: bytes(3, 9) }), // 3-byte basic header
  chunk({ fmt: 0, csid: 6, ts: 0x01000000, len: 200, type: 9, sid: 1, payload: video200.subarray(0, 128) }),
  chunk({ fmt: 3, csid: 6, ext: 0x01000000, payload: video200.subarray(128) }), // continuation repeats the extended timestamp
  chunk({ fmt: 1, csid: 6, ts: 0x01000001, type: 9, payload: bytes(2, 1) }), // extended delta
  chunk({ fmt: 3, csid: 6, ext: 0x01000001, payload: bytes(2, 2) }), // new message after an extended header
  chunk({ fmt: 0, csid: 2, ts: 0, type: 1, payload: u32be(4096) }), // Set Chunk Size
  chunk({ fmt: 1, csid: 4, ts: 1, len: 1000, type: 9, payload: big1000 }), // one chunk at the new size
  chunk({ fmt: 0, csid: 7, ts: 0, len: 5000, type: 9, sid: 1, payload: aborted.subarray(0, 4096) }),
  chunk({ fmt: 0, csid: 2, ts: 0, type: 2, payload: u32be(7) }), // Abort csid 7
  chunk({ fmt: 0, csid: 7, ts: 9, type: 8, sid: 1, payload: bytes(2, 3) }),
  chunk({ fmt: 0, csid: 3, ts: 1, type: 20, payload: Buffer.alloc(0) }), // empty message
  chunk({ fmt: 0, csid: 8, ts: 0xfffffff0, type: 8, sid: 1, payload: bytes(1, 4) }),
  chunk({ fmt: 2, csid: 8, ts: 0x20, payload: bytes(1, 5) }), // wraps past 2^32
]);

const msg = (csid: number, typeId: number, streamId: number, timestamp: number, payload: Buffer): RtmpMessage => ({
  csid,
  typeId,
  streamId,
  timestamp,
  payload,
});

const expected: RtmpMessage[] = [
  msg(3, 20, 0, 1000, bytes(10, 0)),
  msg(5, 8, 1, 5, bytes(4, 9)),
  msg(4, 9, 1, 0, video300),
  msg(4, 9, 1, 33, bytes(20, 5)),
  msg(4, 9, 1, 73, bytes(20, 6)),
  msg(4, 9, 1, 113, bytes(20, 7)),
  msg(70, 18, 1, 7, bytes(3, 8)),
  msg(400, 18, 1, 8, bytes(3, 9)),
  msg(6, 9, 1, 0x01000000, video200),
  msg(6, 9, 1, 0x02000001, bytes(2, 1)),
  msg(6, 9, 1, 0x03000002, bytes(2, 2)),
  msg(2, 1, 0, 0, u32be(4096)),
  msg(4, 9, 1, 114, big1000),
  msg(2, 2, 0, 0, u32be(7)),
  msg(7, 8, 1, 9, bytes(2, 3)),
  msg(3, 20, 0, 1, Buffer.alloc(0)),
  msg(8, 8, 1, 0xfffffff0, bytes(1, 4)),
  msg(8, 8, 1, 0x10, bytes(1, 5)),
];

function readAll(parts: Buffer[], limits?: Partial<ChunkReaderLimits>): { messages: RtmpMessage[]; error: ChunkError | null } {
  const reader = new ChunkReader(limits);
  const messages: RtmpMessage[] = [];
  for (const p of parts) {
    const r = reader.push(p);
    messages.push(...r.messages);
    if (r.error) return { messages, error: r.error };
  }
  return { messages, error: null };
}

/** Compact comparable form (payloads as hex) so a mismatch points at the message. */
const view = (ms: RtmpMessage[]): string[] =>
  ms.map((m) => `${m.csid}/${m.typeId}/${m.streamId}@${m.timestamp}:${m.payload.toString("hex")}`);

describe("ChunkReader", () => {
  it("reads every header form, extended timestamps, Set Chunk Size and Abort", () => {
    const { messages, error } = readAll([stream]);
    expect(error).toBeNull();
    expect(view(messages)).toEqual(view(expected));
  });

  it("gives identical messages for the stream split at every byte boundary", () => {
    const want = view(expected);
    for (let i = 0; i <= stream.length; i++) {
      const { messages, error } = readAll([stream.subarray(0, i), stream.subarray(i)]);
      expect(error).toBeNull();
      expect(view(messages), `split at ${i}`).toEqual(want);
    }
  });

  it("gives identical messages when fed one byte at a time", () => {
    const parts = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(view(readAll(parts).messages)).toEqual(view(expected));
  });

  describe("a publish recorded from a real ffmpeg client", () => {
    const recorded = readFileSync(new URL("../fixtures/rtmp/ffmpeg-publish.bin", import.meta.url));
    const chunkStream = recorded.subarray(1537 + 1536); // after C0+C1 and C2

    it("decodes the command sequence and media", () => {
      const { messages, error } = readAll([chunkStream]);
      expect(error).toBeNull();
      const commands = messages
        .filter((m) => m.typeId === 20)
        .map((m) => {
          const c = parseCommand(m);
          return c.ok ? c.value.name : "malformed";
        });
      expect(commands).toEqual(["connect", "releaseStream", "FCPublish", "createStream", "publish", "FCUnpublish", "deleteStream"]);
      const video = messages.filter((m) => m.typeId === 9);
      const audio = messages.filter((m) => m.typeId === 8);
      expect(video.length).toBeGreaterThan(3);
      expect(audio.length).toBeGreaterThan(10);
      expect(video[0]!.payload.subarray(0, 2).toString("hex")).toBe("1700"); // AVC sequence header first
      expect(audio[0]!.payload.subarray(0, 2).toString("hex")).toBe("af00"); // AAC sequence header first
      for (const list of [video, audio]) {
        for (let i = 1; i < list.length - 1; i++) expect(list[i]!.timestamp).toBeGreaterThanOrEqual(list[i - 1]!.timestamp);
      }
    });

    it("splits at every byte boundary give identical messages", () => {
      const want = view(readAll([chunkStream]).messages);
      for (let i = 0; i <= chunkStream.length; i++) {
        const got = readAll([chunkStream.subarray(0, i), chunkStream.subarray(i)]);
        expect(got.error).toBeNull();
        const v = view(got.messages);
        if (v.length !== want.length || v.some((s, k) => s !== want[k])) expect(v, `split at ${i}`).toEqual(want);
      }
    });
  });

  it("round-trips random messages through ChunkWriter at several chunk sizes", () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const writer = new ChunkWriter();
    const sent: RtmpMessage[] = [];
    const wire: Buffer[] = [];
    const csids = [2, 3, 4, 63, 64, 319, 320, 65_599];
    for (const size of [128, 1, 77, 4096, 65_536]) {
      const control = setChunkSizeMessage(size);
      wire.push(writer.encode(control));
      sent.push(control);
      writer.setChunkSize(size);
      for (let i = 0; i < 25; i++) {
        const m = msg(
          csids[rand(csids.length)]!,
          [8, 9, 18, 20][rand(4)]!,
          rand(3),
          rand(2) ? rand(0xffffff) : 0xffffff + rand(2 ** 31),
          bytes(rand(600), i),
        );
        wire.push(writer.encode(m));
        sent.push(m);
      }
    }
    const all = Buffer.concat(wire);
    const parts: Buffer[] = [];
    for (let pos = 0; pos < all.length; ) {
      const n = 1 + rand(700);
      parts.push(all.subarray(pos, pos + n));
      pos += n;
    }
    const { messages, error } = readAll(parts);
    expect(error).toBeNull();
    expect(view(messages)).toEqual(view(sent));
  });

  describe("malformed or hostile input gives typed errors", () => {
    const setChunkSize = (v: number): Buffer => chunk({ fmt: 0, csid: 2, ts: 0, type: 1, payload: u32be(v) });
    it.each<[string, Buffer[], Partial<ChunkReaderLimits>, string]>([
      ["chunk size 0", [setChunkSize(0)], {}, "bad-chunk-size"],
      ["chunk size 2^31", [setChunkSize(2 ** 31)], {}, "bad-chunk-size"],
      ["chunk size above the limit", [setChunkSize(65_537)], {}, "bad-chunk-size"],
      ["short Set Chunk Size", [chunk({ fmt: 0, csid: 2, type: 1, payload: Buffer.alloc(2) })], {}, "bad-control-message"],
      [
        "declared length above the cap",
        [chunk({ fmt: 0, csid: 3, len: 0xffffff, type: 9, payload: Buffer.alloc(10) })],
        {},
        "message-too-large",
      ],
      [
        "fmt 1 on an unknown chunk stream",
        [chunk({ fmt: 1, csid: 9, ts: 1, type: 9, payload: Buffer.alloc(1) })],
        {},
        "no-previous-header",
      ],
      ["fmt 3 on an unknown chunk stream", [Buffer.of(0xc9, 0)], {}, "no-previous-header"],
      [
        "too many chunk streams",
        Array.from({ length: 5 }, (_, i) => chunk({ fmt: 0, csid: 3 + i, type: 8, payload: Buffer.alloc(1) })),
        { maxChunkStreams: 4 },
        "too-many-chunk-streams",
      ],
      [
        "incomplete messages beyond the pending cap",
        [
          chunk({ fmt: 0, csid: 3, len: 600, type: 9, payload: Buffer.alloc(128) }),
          chunk({ fmt: 0, csid: 4, len: 600, type: 9, payload: Buffer.alloc(128) }),
        ],
        { maxPendingBytes: 1000 },
        "pending-limit",
      ],
    ])("%s", (_name, parts, limits, code) => {
      const { error } = readAll(parts, limits);
      expect(error).toBeInstanceOf(ChunkError);
      expect(error?.code).toBe(code);
    });

    it("accepts the largest allowed chunk size", () => {
      expect(readAll([setChunkSize(65_536)]).error).toBeNull();
    });

    it("returns the messages before the error and stays failed", () => {
      const reader = new ChunkReader();
      const good = chunk({ fmt: 0, csid: 3, type: 20, payload: bytes(5, 1) });
      const r1 = reader.push(Buffer.concat([good, setChunkSize(0), good]));
      expect(r1.messages).toHaveLength(1);
      expect(r1.error?.code).toBe("bad-chunk-size");
      const r2 = reader.push(good);
      expect(r2.messages).toHaveLength(0);
      expect(r2.error).toBe(r1.error);
    });

    it("counts bytes received, not declared lengths, against the pending cap", () => {
      // 64 chunk streams each declaring 4 MiB but sending one 128-byte chunk hold ~4 KiB each, well under the cap.
      const parts = Array.from({ length: 64 }, (_, i) =>
        chunk({ fmt: 0, csid: 3 + i, len: 4 * 1024 * 1024, type: 9, payload: Buffer.alloc(128) }),
      );
      expect(readAll(parts).error).toBeNull();
      expect(readAll(parts, { maxPendingBytes: 40 * 4096 }).error?.code).toBe("pending-limit");
    });
  });
});
