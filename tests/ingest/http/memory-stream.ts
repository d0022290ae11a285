import type {
  LiveStreamView,
  MediaState,
  SkipDirective,
  StreamStatusCore,
} from "../../../ingest/src/http/stream-directory.js";
import { initName, partName, segmentName } from "../../../ingest/src/hls/resource-names.js";

/** A LiveStreamView over parts kept in memory: a fixed number of parts per segment, fed by the test. */
export class MemoryStream implements LiveStreamView {
  private readonly inits: Uint8Array[] = [];
  private readonly segments: Uint8Array[][] = [];
  private ended = false;
  private readonly listeners = new Set<() => void>();
  live = true;

  constructor(
    readonly name: string,
    private readonly shape = { partsPerSegment: 4, partTargetS: 0.25, targetDurationS: 1 },
  ) {}

  status(): StreamStatusCore {
    return {
      name: this.name,
      live: this.live,
      startedAt: "2025-01-01T00:00:00.000Z",
      video: { codec: "avc1.64001f", width: 1280, height: 720, fps: 30, bitrateKbps: 2500, keyframeIntervalS: 1 },
      audio: { codec: "mp4a.40.2", sampleRate: 48000, channels: 2, bitrateKbps: 128 },
      warnings: [],
    };
  }

  addInit(bytes: Uint8Array): void {
    this.inits.push(bytes);
    this.changed();
  }

  addPart(bytes: Uint8Array): void {
    const last = this.segments.at(-1);
    if (!last || last.length === this.shape.partsPerSegment) this.segments.push([bytes]);
    else last.push(bytes);
    this.changed();
  }

  end(): void {
    this.ended = true;
    this.changed();
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  mediaState(): MediaState | undefined {
    const last = this.segments.at(-1);
    if (!last) return undefined;
    return {
      lastMsn: this.segments.length - 1,
      lastPart: last.length - 1,
      ended: this.ended,
      targetDurationS: this.shape.targetDurationS,
      partTargetS: this.shape.partTargetS,
    };
  }

  playlist(options: { skip?: SkipDirective }): string {
    const lines = [
      "#EXTM3U",
      "#EXT-X-VERSION:9",
      `#EXT-X-TARGETDURATION:${this.shape.targetDurationS}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${3 * this.shape.partTargetS}`,
      `#EXT-X-PART-INF:PART-TARGET=${this.shape.partTargetS}`,
      "#EXT-X-MEDIA-SEQUENCE:0",
      `#EXT-X-MAP:URI="${initName(0)}"`,
    ];
    if (options.skip) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=0`);
    this.segments.forEach((parts, msn) => {
      parts.forEach((_, part) => lines.push(`#EXT-X-PART:DURATION=${this.shape.partTargetS},URI="${partName(msn, part)}"`));
      if (parts.length === this.shape.partsPerSegment && msn < this.segments.length - 1) {
        lines.push(`#EXTINF:${this.shape.targetDurationS},`, segmentName(msn));
      }
    });
    if (this.ended) lines.push("#EXT-X-ENDLIST");
    return `${lines.join("\n")}\n`;
  }

  getInit(id: number): Uint8Array | undefined {
    return this.inits[id];
  }

  getSegment(msn: number): Uint8Array | undefined {
    const parts = this.segments[msn];
    if (!parts || msn === this.segments.length - 1) return undefined;
    return Buffer.concat(parts);
  }

  getPart(msn: number, part: number): Uint8Array | undefined {
    return this.segments[msn]?.[part];
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
