// Reads an FLV byte stream (what `ffmpeg -f flv pipe:1` writes) into tags, in any chunking. Pure.
// Header "FLV" + version + flags + header size, then PreviousTagSize0, then per tag: type (8 audio,
// 9 video, 18 script), 24-bit body size, 24-bit timestamp + 8 upper bits, 24-bit stream id (0), the body,
// and the 32-bit size of the tag just read.
import type { FlvTag } from "../rtmp/flv.js";

/** Larger bodies are refused: a 4 K keyframe is far smaller; a corrupt size must not make us buffer 16 MiB. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const TAG_HEADER_BYTES = 11;

export class FlvFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlvFormatError";
  }
}

const TAG_TYPES: Record<number, FlvTag["type"]> = { 8: "audio", 9: "video", 18: "script" };

export class FlvReader {
  private buffered: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private failed: FlvFormatError | null = null;

  /** The tags completed by `chunk`. Throws FlvFormatError on a malformed stream (and on every later push). */
  push(chunk: Buffer): FlvTag[] {
    if (this.failed) throw this.failed;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const tags: FlvTag[] = [];
    let pos = 0;
    try {
      if (!this.headerRead) {
        if (this.buffered.length < 9) return tags;
        if (this.buffered.toString("latin1", 0, 3) !== "FLV") throw new FlvFormatError("not an FLV stream (no FLV signature)");
        const headerSize = this.buffered.readUInt32BE(5);
        if (headerSize < 9 || headerSize > 1024) throw new FlvFormatError(`FLV header size ${headerSize} is invalid`);
        if (this.buffered.length < headerSize + 4) return tags;
        pos = headerSize + 4; // PreviousTagSize0
        this.headerRead = true;
      }
      while (this.buffered.length - pos >= TAG_HEADER_BYTES) {
        const b = this.buffered;
        const typeByte = b[pos]!;
        if (typeByte & 0x20) throw new FlvFormatError("encrypted FLV tags are not supported");
        const size = b.readUIntBE(pos + 1, 3);
        if (size > MAX_BODY_BYTES) throw new FlvFormatError(`FLV tag of ${size} bytes is larger than ${MAX_BODY_BYTES}`);
        const total = TAG_HEADER_BYTES + size + 4;
        if (b.length - pos < total) break;
        const timestamp = (b.readUIntBE(pos + 4, 3) | (b[pos + 7]! << 24)) >>> 0;
        const previousSize = b.readUInt32BE(pos + TAG_HEADER_BYTES + size);
        if (previousSize !== TAG_HEADER_BYTES + size)
          throw new FlvFormatError(`FLV tag size check failed (${previousSize} != ${TAG_HEADER_BYTES + size})`);
        const type = TAG_TYPES[typeByte & 0x1f];
        // Other tag types are skipped: nothing downstream could use them.
        if (type) tags.push({ type, timestamp, data: Buffer.from(b.subarray(pos + TAG_HEADER_BYTES, pos + TAG_HEADER_BYTES + size)) });
        pos += total;
      }
    } catch (error) {
      if (error instanceof FlvFormatError) this.failed = error;
      throw error;
    }
    this.buffered = this.buffered.subarray(pos);
    return tags;
  }
}
