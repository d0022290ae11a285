// One accepted RTMP publish: the RTMP adapter's PublishSource. It emits the publisher's FLV tags (`tag`)
// and, translated, the hub's codec-level media (`media`).
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import type { MediaEvent } from "../streams/media.js";
import type { AnnouncedTracks, PublishSource } from "../streams/publish-source.js";
import type { Amf0Object } from "./amf0.js";
import type { FlvTag } from "./flv.js";
import { announcedTracks, mediaEventOf } from "./flv-media.js";

interface RtmpPublishEvents {
  /** An audio, video or script tag, emitted as soon as its RTMP message is complete. The one script tag is the
   * publisher's first onMetaData; later updates only change `metadata`. */
  tag: [tag: FlvTag];
  /** The media event an audio or video tag carries (after its `tag`). */
  media: [event: MediaEvent];
  /** Emitted once; no tags follow. */
  close: [reason: string];
}

interface RtmpPublishInit {
  id: string;
  stream: string;
  remoteAddress: string;
  keyFingerprint: string;
  /** Ends the publisher's connection; called by close(). */
  closeConnection: (reason: string) => void;
}

export class RtmpPublish extends EventEmitter<RtmpPublishEvents> implements PublishSource {
  /** Session id, also in every log line of the connection. */
  readonly id: string;
  /** Public stream name returned by authenticate() (never the key). */
  readonly stream: string;
  readonly remoteAddress: string;
  /** First 8 hex chars of sha256(key), for logs. */
  readonly keyFingerprint: string;
  /** performance.now() when the publish was accepted. */
  readonly startedAt: number;
  /** The latest onMetaData object, or null before any. */
  metadata: Amf0Object | null = null;

  private mediaAt: number;
  private ended = false;
  private readonly closeConnection: (reason: string) => void;

  constructor(init: RtmpPublishInit) {
    super();
    this.id = init.id;
    this.stream = init.stream;
    this.remoteAddress = init.remoteAddress;
    this.keyFingerprint = init.keyFingerprint;
    this.closeConnection = init.closeConnection;
    this.startedAt = performance.now();
    this.mediaAt = this.startedAt;
  }

  /** performance.now() of the last audio/video message (the accept time before the first). */
  get lastMediaAt(): number {
    return this.mediaAt;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** The tracks the latest onMetaData names by codec id. */
  get announcedTracks(): AnnouncedTracks | null {
    return announcedTracks(this.metadata);
  }

  /** Ends the publish and its connection. */
  close(reason = "closed by server"): void {
    if (!this.ended) this.closeConnection(reason);
  }

  /** @internal Used by the session for each media or metadata tag. */
  deliver(tag: FlvTag, isMedia: boolean): void {
    if (this.ended) return;
    if (isMedia) this.mediaAt = performance.now();
    this.emit("tag", tag);
    const event = isMedia ? mediaEventOf(tag) : null;
    if (event && !this.ended) this.emit("media", event);
  }

  /** @internal Used by the session when the publish ends for any reason. */
  finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.emit("close", reason);
  }
}
