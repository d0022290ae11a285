// Splits an ISO BMFF byte stream (ffmpeg's fragmented MP4 on stdout) into whole top-level boxes.
// Hand-written: the npm MP4 libraries (mp4box.js, mux.js) parse whole files or buffer without bounds.

/** A top-level box: its four-character type and all its bytes (header included). */
export interface Mp4Box {
  type: string;
  bytes: Buffer;
}

type Mp4FormatErrorCode = "box-too-large" | "box-size-invalid" | "truncated" | "malformed";

/** Typed error for any malformed or out-of-bounds MP4 input. */
export class Mp4FormatError extends Error {
  override readonly name = "Mp4FormatError";
  constructor(
    readonly code: Mp4FormatErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_MAX_BOX_BYTES = 16 * 1024 * 1024;

/** Reads a box type as 4 latin1 characters, rejecting non-printable bytes. */
function readFourCC(buf: Buffer, offset: number): string {
  for (let i = offset; i < offset + 4; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) throw new Mp4FormatError("malformed", `box type has non-printable byte 0x${c.toString(16)}`);
  }
  return buf.toString("latin1", offset, offset + 4);
}

/**
 * Parses a box header at `offset` in `buf` (which must hold at least 16 bytes from offset or the
 * whole header). Returns null when more bytes are needed to know the size.
 */
export function readBoxHeader(buf: Buffer, offset: number, end: number): { type: string; size: number; headerSize: number } | null {
  if (end - offset < 8) return null;
  const size32 = buf.readUInt32BE(offset);
  const type = readFourCC(buf, offset + 4);
  if (size32 === 1) {
    if (end - offset < 16) return null;
    const size64 = buf.readBigUInt64BE(offset + 8);
    if (size64 < 16n || size64 > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Mp4FormatError("box-size-invalid", `box '${type}' has invalid 64-bit size ${size64}`);
    }
    return { type, size: Number(size64), headerSize: 16 };
  }
  // size 0 ("extends to end of file") cannot be delimited in a live stream.
  if (size32 < 8) throw new Mp4FormatError("box-size-invalid", `box '${type}' has invalid size ${size32}`);
  return { type, size: size32, headerSize: 8 };
}

/** Push arbitrary chunks, get whole top-level boxes; holds at most one box in memory. */
export class Mp4BoxSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed: Mp4FormatError | null = null;
  // Header of the box being accumulated, parsed once so large boxes cost no re-parsing per chunk.
  private header: { type: string; size: number } | null = null;

  constructor(private readonly maxBoxBytes = DEFAULT_MAX_BOX_BYTES) {}

  /** Bytes held waiting for the rest of a box. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Returns the boxes completed by this chunk; throws Mp4FormatError (and stays failed) on bad input. */
  push(chunk: Uint8Array): Mp4Box[] {
    if (this.failed) throw this.failed;
    if (chunk.length === 0) return [];
    this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.pendingBytes += chunk.length;
    const boxes: Mp4Box[] = [];
    try {
      for (;;) {
        const box = this.nextBox();
        if (!box) break;
        boxes.push(box);
      }
    } catch (err) {
      if (err instanceof Mp4FormatError) this.failed = err;
      throw err;
    }
    return boxes;
  }

  private nextBox(): Mp4Box | null {
    if (!this.header) {
      if (this.pendingBytes < 8) return null;
      const head = this.peek(Math.min(16, this.pendingBytes));
      const parsed = readBoxHeader(head, 0, head.length);
      if (!parsed) return null;
      if (parsed.size > this.maxBoxBytes) {
        throw new Mp4FormatError("box-too-large", `box '${parsed.type}' claims ${parsed.size} bytes (limit ${this.maxBoxBytes})`);
      }
      this.header = { type: parsed.type, size: parsed.size };
    }
    const header = this.header;
    if (this.pendingBytes < header.size) return null;
    this.header = null;
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    // Copy so the box never pins a larger chunk from the pipe in memory.
    const bytes = Buffer.from(all.subarray(0, header.size));
    const rest = all.subarray(header.size);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return { type: header.type, bytes };
  }

  private peek(n: number): Buffer {
    const first = this.pending[0]!;
    if (first.length >= n) return first;
    return Buffer.concat(this.pending, this.pendingBytes).subarray(0, n);
  }
}
