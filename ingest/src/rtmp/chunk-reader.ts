// Reassembles RTMP messages from the chunk stream. Incremental: bytes may arrive split anywhere.
import { ChunkError, type ChunkErrorCode } from "./errors.js";
import { MessageType, type RtmpMessage } from "./messages.js";

export interface ChunkReaderLimits {
  /** Largest Set Chunk Size accepted from the peer (smallest is 1). */
  maxChunkSize: number;
  /** Largest message length a header may declare. */
  maxMessageBytes: number;
  /** Distinct chunk stream ids one connection may use. */
  maxChunkStreams: number;
  /** Bytes of messages still being received, summed across chunk streams. */
  maxPendingBytes: number;
}

export const defaultChunkReaderLimits: ChunkReaderLimits = {
  maxChunkSize: 65_536,
  maxMessageBytes: 4 * 1024 * 1024,
  maxChunkStreams: 64,
  maxPendingBytes: 5 * 1024 * 1024,
};

export const DEFAULT_CHUNK_SIZE = 128;
const EXTENDED_TIMESTAMP = 0xffffff;
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const;

/** What the previous headers on one chunk stream said, and the message being reassembled on it. */
interface ChunkStreamState {
  csid: number;
  typeId: number;
  streamId: number;
  length: number;
  /** Timestamp of the latest message (mod 2^32). */
  timestamp: number;
  /** The last header's timestamp field: absolute for fmt 0, a delta for fmt 1/2. A fmt 3 that starts a message adds it again. */
  timestampField: number;
  /** The last fmt 0/1/2 header used an extended timestamp, so fmt 3 chunks carry one too. */
  extended: boolean;
  /** Whether a message is being reassembled on this chunk stream. */
  inProgress: boolean;
  /** Its bytes so far. Grown by doubling as bytes arrive, so memory follows what was received, not a declared length. */
  buf: Buffer | null;
  received: number;
}

interface ChunkReadResult {
  messages: RtmpMessage[];
  /** Set once the stream is malformed; the reader then stays failed. */
  error: ChunkError | null;
}

const EMPTY = Buffer.alloc(0);

export class ChunkReader {
  private limits: ChunkReaderLimits;
  private readonly streams = new Map<number, ChunkStreamState>();
  private size = DEFAULT_CHUNK_SIZE;
  /** Bytes of an incomplete chunk header (always shorter than a full header). */
  private leftover: Buffer = EMPTY;
  /** Chunk stream whose chunk payload is being copied, and how much of that chunk is still due. */
  private inChunk: ChunkStreamState | null = null;
  private inChunkRemaining = 0;
  private pendingBytes = 0;
  private failure: ChunkError | null = null;
  private deliver: ((message: RtmpMessage) => void) | null = null;

  constructor(limits: Partial<ChunkReaderLimits> = {}) {
    this.limits = { ...defaultChunkReaderLimits, ...limits };
  }

  /** Changes limits from the next message header on (the session raises them once a publish is accepted). */
  setLimits(limits: Partial<ChunkReaderLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  /** The peer's current chunk size. */
  get chunkSize(): number {
    return this.size;
  }

  /**
   * Parses `data`. With `deliver`, each message goes to it as soon as it is complete, before the next chunk
   * header is read (so limits it changes apply to what follows), and `messages` stays empty.
   */
  push(data: Buffer, deliver?: (message: RtmpMessage) => void): ChunkReadResult {
    const messages: RtmpMessage[] = [];
    this.deliver = deliver ?? null;
    if (this.failure) return { messages, error: this.failure };
    const buf = this.leftover.length > 0 ? Buffer.concat([this.leftover, data]) : data;
    let pos = 0;
    try {
      while (pos < buf.length) {
        const st = this.inChunk;
        if (st) {
          const n = Math.min(this.inChunkRemaining, buf.length - pos);
          this.append(st, buf, pos, n);
          pos += n;
          this.inChunkRemaining -= n;
          if (this.inChunkRemaining > 0) break;
          this.inChunk = null;
          if (st.received === st.length) this.complete(st, messages);
          continue;
        }
        const used = this.header(buf, pos, messages);
        if (used === 0) break;
        pos += used;
      }
    } catch (err) {
      if (!(err instanceof ChunkError)) throw err;
      this.failure = err;
      this.leftover = EMPTY;
      this.streams.clear();
      this.inChunk = null;
      return { messages, error: err };
    }
    // Copy so the caller's (possibly large) buffer is not retained for a few header bytes.
    this.leftover = pos < buf.length ? Buffer.from(buf.subarray(pos)) : EMPTY;
    return { messages, error: null };
  }

  /** Parses one chunk header at `pos`; returns the bytes it used, or 0 when more input is needed. */
  private header(buf: Buffer, pos: number, messages: RtmpMessage[]): number {
    const avail = buf.length - pos;
    const b0 = buf[pos]!;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let p = pos + 1;
    if (csid === 0) {
      if (avail < 2) return 0;
      csid = buf[p]! + 64;
      p += 1;
    } else if (csid === 1) {
      if (avail < 3) return 0;
      csid = buf[p]! + buf[p + 1]! * 256 + 64;
      p += 2;
    }
    const headerSize = MESSAGE_HEADER_SIZE[fmt as 0 | 1 | 2 | 3];
    if (buf.length < p + headerSize) return 0;

    let st = this.streams.get(csid);
    if (!st && fmt !== 0) fail("no-previous-header", `fmt ${fmt} chunk on chunk stream ${csid} without a previous header`);
    const field = fmt <= 2 ? buf.readUIntBE(p, 3) : 0;
    const extended = fmt <= 2 ? field === EXTENDED_TIMESTAMP : st!.extended;
    const total = p + headerSize + (extended ? 4 : 0);
    if (buf.length < total) return 0;
    const ext = extended ? buf.readUInt32BE(p + headerSize) : 0;

    if (!st) {
      if (this.streams.size >= this.limits.maxChunkStreams) {
        fail("too-many-chunk-streams", `more than ${this.limits.maxChunkStreams} chunk streams`);
      }
      st = {
        csid,
        typeId: 0,
        streamId: 0,
        length: 0,
        timestamp: 0,
        timestampField: 0,
        extended: false,
        inProgress: false,
        buf: null,
        received: 0,
      };
      this.streams.set(csid, st);
    }

    if (fmt === 3 && st.inProgress) {
      // Continuation of the message in progress; its extended timestamp (if any) repeats the header's.
      this.beginChunk(st);
      return total - pos;
    }
    // A new header while a message is half received drops that message (as ffmpeg does), like an Abort.
    if (st.inProgress) this.drop(st);

    const value = extended ? ext : field;
    switch (fmt) {
      case 0:
        st.length = buf.readUIntBE(p + 3, 3);
        st.typeId = buf[p + 6]!;
        st.streamId = buf.readUInt32LE(p + 7);
        st.timestamp = value;
        st.timestampField = value;
        st.extended = extended;
        break;
      case 1:
      case 2:
        if (fmt === 1) {
          st.length = buf.readUIntBE(p + 3, 3);
          st.typeId = buf[p + 6]!;
        }
        st.timestampField = value;
        st.timestamp = (st.timestamp + value) >>> 0;
        st.extended = extended;
        break;
      default:
        if (extended) st.timestampField = ext;
        st.timestamp = (st.timestamp + st.timestampField) >>> 0;
    }
    this.beginMessage(st, messages);
    return total - pos;
  }

  private beginMessage(st: ChunkStreamState, messages: RtmpMessage[]): void {
    if (st.length > this.limits.maxMessageBytes) {
      fail("message-too-large", `message of ${st.length} bytes exceeds ${this.limits.maxMessageBytes}`);
    }
    st.received = 0;
    st.inProgress = true;
    if (st.length === 0) {
      this.complete(st, messages);
      return;
    }
    this.beginChunk(st);
  }

  private beginChunk(st: ChunkStreamState): void {
    this.inChunk = st;
    this.inChunkRemaining = Math.min(this.size, st.length - st.received);
  }

  private append(st: ChunkStreamState, src: Buffer, start: number, n: number): void {
    const capacity = st.buf?.length ?? 0;
    if (st.received + n > capacity) {
      const grown = Math.min(st.length, Math.max(st.received + n, capacity * 2, 4096));
      if (this.pendingBytes + grown - capacity > this.limits.maxPendingBytes) {
        fail("pending-limit", `more than ${this.limits.maxPendingBytes} bytes of incomplete messages`);
      }
      const next = Buffer.allocUnsafe(grown);
      st.buf?.copy(next, 0, 0, st.received);
      st.buf = next;
      this.pendingBytes += grown - capacity;
    }
    src.copy(st.buf!, st.received, start, start + n);
    st.received += n;
  }

  private drop(st: ChunkStreamState): void {
    this.pendingBytes -= st.buf?.length ?? 0;
    st.inProgress = false;
    st.buf = null;
    st.received = 0;
  }

  private complete(st: ChunkStreamState, messages: RtmpMessage[]): void {
    // Complete means received === length, and the buffer never grows past length: it is exactly the payload.
    const payload = st.buf ?? EMPTY;
    this.drop(st);
    const message: RtmpMessage = { csid: st.csid, typeId: st.typeId, streamId: st.streamId, timestamp: st.timestamp, payload };
    // These two change how the following chunks are framed, so the reader applies them itself.
    if (message.typeId === MessageType.setChunkSize) {
      if (payload.length < 4) fail("bad-control-message", "Set Chunk Size shorter than 4 bytes");
      const size = payload.readUInt32BE(0);
      if (size < 1 || size > this.limits.maxChunkSize) {
        fail("bad-chunk-size", `chunk size ${size} outside 1..${this.limits.maxChunkSize}`);
      }
      this.size = size;
    } else if (message.typeId === MessageType.abort) {
      if (payload.length < 4) fail("bad-control-message", "Abort shorter than 4 bytes");
      const target = this.streams.get(payload.readUInt32BE(0));
      if (target) this.drop(target);
    }
    if (this.deliver) this.deliver(message);
    else messages.push(message);
  }
}

function fail(code: ChunkErrorCode, message: string): never {
  throw new ChunkError(code, message);
}
