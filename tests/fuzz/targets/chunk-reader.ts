// RTMP chunk stream: the same bytes give the same messages and the same verdict however they are split
// across reads, messages never exceed the size limit, and buffered bytes stay under the pending limit.
import type * as ChunkReaderModule from "../../../ingest/src/rtmp/chunk-reader.js";
import type * as Errors from "../../../ingest/src/rtmp/errors.js";
import type { RtmpMessage } from "../../../ingest/src/rtmp/messages.js";
import { ascii, check, importFrom, splitAt, splitPoints, type FuzzTarget } from "../engine/target.js";
import { HANDSHAKE_BYTES, rtmpPublish } from "./seeds.js";

// Small limits so the fuzzer reaches every one of them with short inputs.
const limits = { maxChunkSize: 4096, maxMessageBytes: 16_384, maxChunkStreams: 8, maxPendingBytes: 24_576 };

export async function load(root: string): Promise<FuzzTarget> {
  const { ChunkReader } = await importFrom<typeof ChunkReaderModule>(root, "rtmp/chunk-reader");
  const { ChunkError } = await importFrom<typeof Errors>(root, "rtmp/errors");
  const stream = rtmpPublish().subarray(HANDSHAKE_BYTES);

  const read = (pieces: Buffer[]): { messages: RtmpMessage[]; error: string | null } => {
    const reader = new ChunkReader(limits);
    const messages: RtmpMessage[] = [];
    for (const piece of pieces) {
      const result = reader.push(piece);
      messages.push(...result.messages);
      const pending = (reader as unknown as { pendingBytes: number }).pendingBytes;
      check(pending >= 0 && pending <= limits.maxPendingBytes, `pending bytes ${pending} outside 0..${limits.maxPendingBytes}`);
      if (result.error) {
        check(result.error instanceof ChunkError, "chunk reader failed with something other than a ChunkError");
        return { messages, error: result.error.code };
      }
    }
    return { messages, error: null };
  };

  return {
    files: ["rtmp/chunk-reader.ts"],
    // The recorded stream, its first few messages, and a Set Chunk Size followed by a large chunk.
    seeds: [stream, stream.subarray(0, 600), stream.subarray(0, 200)],
    dictionary: [
      Buffer.of(0x02, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0), // Set Chunk Size header on csid 2
      Buffer.of(0x02, 0, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0), // Abort
      Buffer.of(0xff, 0xff, 0xff), // extended timestamp marker
      Buffer.of(0x00, 0x40), // 2-byte basic header (csid 64+)
      Buffer.of(0x01, 0xff, 0xff), // 3-byte basic header
      Buffer.of(0xc3),
      Buffer.of(0x83),
      Buffer.of(0x43),
      Buffer.of(0x03),
      ...ascii("connect", "publish", "createStream"),
    ],
    maxLength: 32_768,
    run(data) {
      const whole = read([data]);
      const split = read(splitAt(data, splitPoints(data, 3)));
      check(whole.error === split.error, `verdict depends on read boundaries: ${whole.error} vs ${split.error}`);
      check(
        whole.messages.length === split.messages.length,
        `message count depends on read boundaries: ${whole.messages.length} vs ${split.messages.length}`,
      );
      for (let i = 0; i < whole.messages.length; i++) {
        const a = whole.messages[i]!;
        const b = split.messages[i]!;
        check(a.payload.length <= limits.maxMessageBytes, `message of ${a.payload.length} bytes exceeds the limit`);
        check(
          a.csid === b.csid &&
            a.typeId === b.typeId &&
            a.streamId === b.streamId &&
            a.timestamp === b.timestamp &&
            a.payload.equals(b.payload),
          `message ${i} differs between whole and split reads`,
        );
        check(Number.isInteger(a.timestamp) && a.timestamp >= 0 && a.timestamp < 2 ** 32, `timestamp ${a.timestamp} outside 32 bits`);
      }
    },
  };
}
