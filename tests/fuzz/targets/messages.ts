// Single RTMP messages of any type: commands and data (AMF0, and AMF3 with an AMF0 body), protocol control,
// and audio/video bodies through the FLV helpers and the adapter's media reader. Only the typed RTMP errors
// come back; every media event the reader yields carries the tag's bytes after the packet header.
import type * as Amf0 from "../../../ingest/src/rtmp/amf0.js";
import type * as Commands from "../../../ingest/src/rtmp/commands.js";
import type * as Errors from "../../../ingest/src/rtmp/errors.js";
import type * as Flv from "../../../ingest/src/rtmp/flv.js";
import type * as FlvMedia from "../../../ingest/src/rtmp/flv-media.js";
import type * as Messages from "../../../ingest/src/rtmp/messages.js";
import type * as Session from "../../../ingest/src/rtmp/session.js";
import type * as ChunkReaderModule from "../../../ingest/src/rtmp/chunk-reader.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";
import { HANDSHAKE_BYTES, rtmpPublish } from "./seeds.js";

const TYPES = [1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22];

export async function load(root: string): Promise<FuzzTarget> {
  const commands = await importFrom<typeof Commands>(root, "rtmp/commands");
  const messages = await importFrom<typeof Messages>(root, "rtmp/messages");
  const flv = await importFrom<typeof Flv>(root, "rtmp/flv");
  const { mediaEventOf } = await importFrom<typeof FlvMedia>(root, "rtmp/flv-media");
  const { amf0Properties } = await importFrom<typeof Amf0>(root, "rtmp/amf0");
  const { connectApp } = await importFrom<typeof Session>(root, "rtmp/session");
  const { RtmpProtocolError } = await importFrom<typeof Errors>(root, "rtmp/errors");
  const { ChunkReader } = await importFrom<typeof ChunkReaderModule>(root, "rtmp/chunk-reader");
  // Seeds: every message ffmpeg sent, as <type id byte> + payload.
  const recorded = new ChunkReader().push(rtmpPublish().subarray(HANDSHAKE_BYTES)).messages;
  const seen = new Set<number>();
  const seeds = recorded
    .filter((m) => (seen.has(m.typeId) && m.typeId !== 20 ? false : (seen.add(m.typeId), true)))
    .map((m) => Buffer.concat([Buffer.of(m.typeId), m.payload.subarray(0, 2048)]));

  return {
    files: ["rtmp/commands.ts", "rtmp/messages.ts", "rtmp/flv.ts", "rtmp/flv-media.ts"],
    seeds,
    dictionary: [...TYPES.map((t) => Buffer.of(t)), ...ascii("connect", "app", "tcUrl", "rtmp://host/live?x", "publish", "onMetaData")],
    maxLength: 4096,
    run(data) {
      if (data.length === 0) return;
      const typeId = data[0]!;
      const payload = data.subarray(1);
      const message = { csid: 3, typeId, streamId: 1, timestamp: 0, payload };
      const expectTyped = (result: { ok: boolean; error?: unknown }): void => {
        if (!result.ok) check(result.error instanceof RtmpProtocolError, "failure is not a typed RTMP error");
      };
      const command = commands.parseCommand(message);
      expectTyped(command);
      if (command.ok) {
        const app = connectApp(amf0Properties(command.value.object) ?? Object.create(null));
        check(
          !app.includes("?") && !app.startsWith("/") && !app.endsWith("/"),
          `connect app ${JSON.stringify(app)} keeps a query or slashes`,
        );
      }
      expectTyped(commands.parseDataMessage(message));
      expectTyped(messages.readU32Control(message));
      expectTyped(messages.readUserControl(message));
      for (const type of ["audio", "video", "script"] as const) {
        const tag = { type, timestamp: payload.length > 3 ? payload.readUInt32BE(0) : 0, data: payload };
        flv.isKeyframe(tag);
        flv.isSequenceHeader(tag);
        const unsupported = flv.unsupportedCodec(tag);
        check(unsupported === null || typeof unsupported === "string", "unsupportedCodec returned a non-string");
        const event = mediaEventOf(tag);
        if (event) {
          // Video packets carry 5 header bytes (with the composition offset), AAC packets 2.
          const body = tag.data.subarray(type === "video" ? 5 : 2);
          const bytes = event.kind === "video-config" ? event.config.avcC : event.kind === "audio-config" ? event.config.asc : event.data;
          check(bytes.equals(body), `${event.kind} does not carry the tag's bytes`);
          check(event.kind === "video-config" || event.kind === "audio-config" || event.dts === tag.timestamp, `${event.kind} timestamp`);
        }
      }
    },
  };
}
