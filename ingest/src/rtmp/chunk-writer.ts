// Splits outgoing RTMP messages into chunks: a fmt 0 header, then fmt 3 continuation chunks.
import { DEFAULT_CHUNK_SIZE } from "./chunk-reader.js";
import type { RtmpMessage } from "./messages.js";

const EXTENDED_TIMESTAMP = 0xffffff;

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid >= 2 && csid <= 63) return Buffer.of((fmt << 6) | csid);
  if (csid >= 64 && csid <= 319) return Buffer.of(fmt << 6, csid - 64);
  if (csid >= 64 && csid <= 65_599) {
    const v = csid - 64;
    return Buffer.of((fmt << 6) | 1, v & 0xff, v >> 8);
  }
  throw new RangeError(`chunk stream id ${csid} outside 2..65599`);
}

export class ChunkWriter {
  private size = DEFAULT_CHUNK_SIZE;

  get chunkSize(): number {
    return this.size;
  }

  /** Call after sending Set Chunk Size: later messages are split at the new size. */
  setChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff) throw new RangeError(`bad chunk size ${size}`);
    this.size = size;
  }

  encode(message: RtmpMessage): Buffer {
    const { csid, typeId, streamId, payload } = message;
    const timestamp = message.timestamp >>> 0;
    const extended = timestamp >= EXTENDED_TIMESTAMP;
    const extBytes = Buffer.alloc(extended ? 4 : 0);
    if (extended) extBytes.writeUInt32BE(timestamp);

    const header = Buffer.alloc(11);
    header.writeUIntBE(extended ? EXTENDED_TIMESTAMP : timestamp, 0, 3);
    header.writeUIntBE(payload.length, 3, 3);
    header[6] = typeId;
    header.writeUInt32LE(streamId >>> 0, 7);

    const parts: Buffer[] = [basicHeader(0, csid), header, extBytes, payload.subarray(0, this.size)];
    const continuation = Buffer.concat([basicHeader(3, csid), extBytes]);
    for (let offset = this.size; offset < payload.length; offset += this.size) {
      parts.push(continuation, payload.subarray(offset, offset + this.size));
    }
    return Buffer.concat(parts);
  }
}
