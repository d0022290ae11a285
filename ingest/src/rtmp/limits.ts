// Every bound the RTMP receiver enforces, with defaults. A violation closes only the offending connection.
import { defaultChunkReaderLimits, type ChunkReaderLimits } from "./chunk-reader.js";

export interface RtmpLimits extends ChunkReaderLimits {
  /** C0+C1 and C2 must arrive within this time of the TCP connect. */
  handshakeTimeoutMs: number;
  /** A connection must start publishing within this time (of connecting, or of an unpublish). */
  publishTimeoutMs: number;
  /** A publisher that sends no audio/video for this long is dropped. */
  idleTimeoutMs: number;
  /** Concurrent TCP connections; sockets beyond it are destroyed on accept. */
  maxConnections: number;
  /**
   * Concurrent connections from one address (one /64 for IPv6), so a single stranger cannot take every slot
   * of maxConnections and lock the performers out. A publisher needs one (two for a moment while reconnecting).
   */
  maxConnectionsPerAddress: number;
  /** Unsent bytes queued to a peer that does not read (replies to pings and commands). */
  maxWriteBufferBytes: number;
}

export const defaultRtmpLimits: RtmpLimits = {
  ...defaultChunkReaderLimits,
  handshakeTimeoutMs: 5_000,
  publishTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  maxConnections: 256,
  maxConnectionsPerAddress: 8,
  maxWriteBufferBytes: 1024 * 1024,
};

export function resolveRtmpLimits(overrides: Partial<RtmpLimits> = {}): RtmpLimits {
  const limits = { ...defaultRtmpLimits };
  for (const [key, value] of Object.entries(overrides) as [keyof RtmpLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`RTMP limit ${key} must be a non-negative number, got ${value}`);
    limits[key] = value;
  }
  if (limits.maxChunkSize < 1) throw new RangeError("RTMP limit maxChunkSize must be at least 1");
  return limits;
}
