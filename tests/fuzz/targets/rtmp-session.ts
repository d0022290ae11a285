// The whole RTMP connection state machine (handshake -> connect -> createStream -> publish -> media) driven
// with bytes through a socket stand-in, no network: whatever a client sends, the session never reaches its
// "internal error" path (or any error-level log), only passes H.264/AAC tags while publishing, bounds what it
// queues to a peer that does not read, and ends its publish exactly once when the connection goes.
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { pino } from "pino";
import type * as Flv from "../../../ingest/src/rtmp/flv.js";
import type * as Limits from "../../../ingest/src/rtmp/limits.js";
import type { RtmpPublish } from "../../../ingest/src/rtmp/publish.js";
import type * as Session from "../../../ingest/src/rtmp/session.js";
import { ascii, check, importFrom, splitAt, splitPoints, type FuzzTarget } from "../engine/target.js";
import { HANDSHAKE_BYTES, rtmpPublish } from "./seeds.js";

/** The parts of net.Socket a session uses. Writes are counted, never drained: the peer does not read. */
class FakeSocket extends EventEmitter {
  readonly remoteAddress = "192.0.2.1";
  readonly remotePort = 40000;
  writable = true;
  destroyed = false;
  writableLength = 0;
  ended = false;

  setNoDelay(): this {
    return this;
  }

  write(bytes: Buffer): boolean {
    check(!this.destroyed && !this.ended, "session wrote to a closed socket");
    this.writableLength += bytes.length;
    return true;
  }

  end(): this {
    this.ended = true;
    this.writable = false;
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    // Like a real socket: "close" comes asynchronously.
    setImmediate(() => this.emit("close", false));
    return this;
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Pieces of at most this size, so publish is answered (authenticate is async) before the media behind it arrives. */
const MAX_PIECE = 1024;

export async function load(root: string): Promise<FuzzTarget> {
  const { RtmpSession } = await importFrom<typeof Session>(root, "rtmp/session");
  const { resolveRtmpLimits } = await importFrom<typeof Limits>(root, "rtmp/limits");
  const { unsupportedCodec } = await importFrom<typeof Flv>(root, "rtmp/flv");
  const errors: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => void errors.push(line) });
  const limits = resolveRtmpLimits({ maxMessageBytes: 65_536, maxPendingBytes: 98_304, maxChunkStreams: 16, maxWriteBufferBytes: 65_536 });
  const publish = rtmpPublish();

  return {
    files: [
      "rtmp/session.ts",
      "rtmp/chunk-reader.ts",
      "rtmp/chunk-writer.ts",
      "rtmp/amf0.ts",
      "rtmp/commands.ts",
      "rtmp/messages.ts",
      "rtmp/handshake.ts",
      "rtmp/publish.ts",
      "rtmp/flv.ts",
    ],
    seeds: [publish, publish.subarray(0, HANDSHAKE_BYTES + 700)],
    dictionary: [
      ...ascii("connect", "publish", "createStream", "releaseStream", "FCPublish", "FCUnpublish", "deleteStream", "closeStream", "play"),
      ...ascii("fixture-key", "?token=1", "live", "app", "tcUrl", "rtmp://h/live", "onMetaData", "@setDataFrame"),
      Buffer.of(0x17, 0x00),
      Buffer.of(0x17, 0x01),
      Buffer.of(0x27, 0x01),
      Buffer.of(0xaf, 0x00),
      Buffer.of(0xaf, 0x01),
      Buffer.of(0x90),
      Buffer.of(0x02, 0, 0, 0, 0, 0, 0, 6, 4, 0, 0, 0, 0, 0, 6), // user control (ping request) header on csid 2
      Buffer.of(0xff, 0xff, 0xff),
    ],
    maxLength: 65_536,
    async run(data) {
      errors.length = 0;
      const socket = new FakeSocket();
      const publishes: RtmpPublish[] = [];
      let closeEvents = 0;
      let tagsAfterClose = 0;
      let sessionClosed = 0;
      const mode = (data.length - publish.length + 5 * 65_536) % 5;
      let markGone = (): void => {};
      const gone = new Promise<void>((resolve) => (markGone = resolve));
      const session = new RtmpSession(socket as unknown as Socket, {
        app: "live",
        limits,
        logger,
        // What the rest of the ingest answers depends on the input's length (a cheap mutation), so every branch
        // of the publish flow is reachable; the recorded publish itself is accepted.
        authenticate: async (key) => {
          if (key !== "fixture-key") return null;
          if (mode === 4) throw new Error("keys file unreadable");
          return "fixture";
        },
        claim: async (p, wanted) => {
          if (mode === 1) return "busy";
          if (mode === 2) return "already-publishing";
          if (mode === 3) {
            // Decided only after the connection is gone, like a takeover wait outlived by the client.
            await gone;
            if (!wanted()) return "withdrawn";
          }
          publishes.push(p);
          let closed = false;
          p.on("tag", (tag) => {
            if (closed) tagsAfterClose++;
            check(
              tag.type === "script" || unsupportedCodec(tag) === null,
              `passed a tag of an unsupported codec: ${unsupportedCodec(tag)}`,
            );
            check(Number.isSafeInteger(tag.timestamp) && tag.timestamp >= 0, `tag timestamp ${tag.timestamp}`);
          });
          p.on("close", () => {
            closed = true;
            closeEvents++;
          });
          return "accepted";
        },
        sessionClosed: () => void sessionClosed++,
      });

      const pieces = splitAt(data, splitPoints(data, 3)).flatMap((piece) => {
        const out: Buffer[] = [];
        for (let at = 0; at < piece.length; at += MAX_PIECE) out.push(piece.subarray(at, at + MAX_PIECE));
        return out;
      });
      for (const piece of pieces) {
        if (socket.destroyed) break;
        socket.emit("data", piece);
        await flush();
      }
      check(socket.writableLength <= limits.maxWriteBufferBytes, `queued ${socket.writableLength} bytes to a peer that does not read`);
      // The rest of the ingest ends an accepted publish (a takeover, the registry closing) before the peer goes.
      if (data.length > 0 && data[data.length - 1]! & 1) for (const p of publishes) p.close("closed by the fuzzer");
      await flush();
      socket.destroy();
      markGone();
      await flush();
      await flush();
      check(session.closed, "session still open after its socket closed");
      check(sessionClosed === 1, `sessionClosed called ${sessionClosed} times`);
      check(closeEvents === publishes.length, `${publishes.length} publishes but ${closeEvents} close events`);
      check(tagsAfterClose === 0, `${tagsAfterClose} tags after the publish closed`);
      // The one error-level line that is expected: the harness's own authenticate failure.
      const unexpected = errors.filter((line) => !line.includes('"msg":"authenticate failed"'));
      check(unexpected.length === 0, `error logged: ${unexpected[0]?.slice(0, 400)}`);
    },
  };
}
