// A publisher that sends exact FLV tags over a real RTMP connection (RawRtmpClient): tags read from an
// ffmpeg-encoded FLV, edited at will (sequence headers mid-stream, timestamp jumps, bogus configs),
// sent paced like a live encoder or faster, optionally pipelined right behind `publish`.
import type { FlvTag } from "../../../../ingest/src/rtmp/flv.js";
import type { Amf0Object } from "../../../../ingest/src/rtmp/amf0.js";
import { RawRtmpClient } from "./raw-client.js";

export { readFlvTags } from "../../mp4/flv-media.js";

export interface SendOptions {
  /** Playback speed against the tags' timestamps: 1 = live, 4 = four times faster; Infinity = as fast as the socket takes. */
  speed?: number;
}

export class ScriptedPublisher {
  private constructor(readonly client: RawRtmpClient) {}

  /** Connects and publishes `key`; resolves after the server's onStatus (NetStream.Publish.Start or an error). */
  static async publish(port: number, key: string): Promise<{ publisher: ScriptedPublisher; status: Amf0Object }> {
    const client = await RawRtmpClient.connected(port);
    const status = await client.publish(key);
    return { publisher: new ScriptedPublisher(client), status };
  }

  /**
   * Sends createStream + publish and `tags` at once, before the server answers (clients that pipeline);
   * resolves with the onStatus that follows.
   */
  static async publishPipelined(port: number, key: string, tags: FlvTag[]): Promise<{ publisher: ScriptedPublisher; status: Amf0Object }> {
    const client = await RawRtmpClient.connected(port);
    // createStream is the first stream the connection makes: the server answers stream id 1.
    client.command(["releaseStream", 2, null, key]);
    client.command(["FCPublish", 3, null, key]);
    client.command(["createStream", 4, null]);
    client.command(["publish", 5, null, key, "live"], 1, 8);
    const publisher = new ScriptedPublisher(client);
    for (const tag of tags) publisher.sendTag(tag);
    const status = await client.waitForCommand((c) => c.name === "onStatus");
    return { publisher, status: status.values[3] as Amf0Object };
  }

  sendTag(tag: FlvTag): void {
    if (tag.type === "script") this.client.send({ csid: 4, typeId: 18, streamId: 1, timestamp: tag.timestamp, payload: tag.data });
    else this.client.media(tag.type, tag.timestamp, tag.data);
  }

  /** Sends tags paced by their timestamps (see SendOptions); a jump in timestamps is not waited for. */
  async send(tags: FlvTag[], options: SendOptions = {}): Promise<void> {
    const speed = options.speed ?? 1;
    const started = performance.now();
    let mediaStart: number | null = null;
    let elapsedMedia = 0;
    let last: number | null = null;
    for (const tag of tags) {
      if (this.client.isClosed) return;
      if (last !== null) {
        const step = tag.timestamp - last;
        // Jumps (either way) do not take time on the wire: only steps of under a second are paced.
        if (step > 0 && step < 1000) elapsedMedia += step;
      }
      mediaStart ??= tag.timestamp;
      last = tag.timestamp;
      if (Number.isFinite(speed)) {
        const due = started + elapsedMedia / speed;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      } else if (this.client.socket.writableLength > 1 << 20) {
        await new Promise((r) => this.client.socket.once("drain", r));
      }
      this.sendTag(tag);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

/** Tags from `from` on moved by `byMs` (a publisher's clock jumping). */
export function shiftTags(tags: FlvTag[], from: number, byMs: number): FlvTag[] {
  return tags.map((t, i) => (i < from || t.type === "script" ? t : { ...t, timestamp: t.timestamp + byMs }));
}

export const isAvcSequenceHeader = (t: FlvTag): boolean => t.type === "video" && t.data[1] === 0 && (t.data[0]! & 0x0f) === 7;
export const isAacSequenceHeader = (t: FlvTag): boolean => t.type === "audio" && t.data[1] === 0 && t.data[0]! >> 4 === 10;

/** An AAC sequence header tag carrying `asc` (e.g. a bogus one). */
export function aacSequenceHeaderTag(asc: Buffer, timestamp = 0): FlvTag {
  return { type: "audio", timestamp, data: Buffer.concat([Buffer.of(0xaf, 0x00), asc]) };
}

/** An AVC sequence header tag carrying `avcC`. */
export function avcSequenceHeaderTag(avcC: Buffer, timestamp = 0): FlvTag {
  return { type: "video", timestamp, data: Buffer.concat([Buffer.of(0x17, 0x00, 0, 0, 0), avcC]) };
}
