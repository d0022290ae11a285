// What an ingest adapter (rtmp/ today, srt/ later) hands the hub for one authenticated publisher:
// codec-level media events and a close. The hub (registry) applies the one-publisher-per-stream rule
// to these, so every protocol gets it without knowing about the others.
import type { MediaEvent } from "./media.js";

export interface PublishSourceEvents {
  /** Codec configuration and frames, in arrival order (see media.ts). */
  media: [event: MediaEvent];
  /** Emitted once; no media follows. */
  close: [reason: string];
}

/** Which tracks a publisher announced before its first frame; null when it did not say. */
export interface AnnouncedTracks {
  audio: boolean;
  video: boolean;
}

export interface PublishSource {
  /** Adapter's id of the publisher's connection, also in its log lines. */
  readonly id: string;
  /** Public stream name (never the key). */
  readonly stream: string;
  readonly remoteAddress: string;
  /** First 8 hex chars of sha256(key), for logs. */
  readonly keyFingerprint: string;
  /** performance.now() when the publish was accepted. */
  readonly startedAt: number;
  /** performance.now() of the last media event (startedAt before the first). */
  readonly lastMediaAt: number;
  readonly closed: boolean;
  readonly announcedTracks: AnnouncedTracks | null;
  on(event: "media", listener: (event: MediaEvent) => void): this;
  on(event: "close", listener: (reason: string) => void): this;
  once(event: "media", listener: (event: MediaEvent) => void): this;
  once(event: "close", listener: (reason: string) => void): this;
  off(event: "media", listener: (event: MediaEvent) => void): this;
  off(event: "close", listener: (reason: string) => void): this;
  /** Ends the publish and the publisher's connection; `close` follows. */
  close(reason?: string): void;
}

/**
 * The hub's answer to a claim. "busy": the registry refuses (closing); "already-publishing": another
 * publisher of the stream is healthy; "withdrawn": the publisher left while the claim waited.
 */
export type ClaimResult = "accepted" | "busy" | "already-publishing" | "withdrawn";
