// Hostile and broken clients while a real ffmpeg publishes: each bad connection is closed with one log line,
// the server stays up and the good publisher's recording stays intact.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { decodeErrors, ffprobe, killAll, run } from "./helpers/processes.js";
import { ffmpegPublishArgs } from "../../support/ffmpeg-publish-args.js";
import { encodeAmf0 } from "../../../ingest/src/rtmp/amf0.js";
import { RawRtmpClient, avcSequenceHeader } from "./helpers/raw-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const GOOD_KEY = "good-key-0123456789";
const ABUSE_KEY = "abuse-key-0123456789";
let s: TestServer | null = null;
const sockets: Socket[] = [];
/** Local port of each client socket, kept because a destroyed socket no longer reports it. */
const ports = new Map<Socket, number>();

afterEach(async () => {
  killAll();
  for (const socket of sockets.splice(0)) socket.destroy();
  await s?.close();
  s = null;
});

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    socket.on("error", () => undefined);
    socket.once("connect", () => {
      ports.set(socket, socket.localPort!);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Resolves when the server has closed the socket; fails the test if that takes longer than `ms`. */
function closedByServer(socket: Socket, ms = 5_000): Promise<void> {
  if (socket.destroyed || socket.readyState === "closed") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`socket ${socket.localPort} still open after ${ms} ms`)), ms);
    socket.once("close", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** A chunk with a fmt 0 header, written by hand so the test can send what a correct writer never would. */
function rawChunk(csid: number, typeId: number, declaredLength: number, payload: Buffer, streamId = 0): Buffer {
  const h = Buffer.alloc(12);
  h[0] = csid;
  h.writeUIntBE(declaredLength, 4, 3);
  h[7] = typeId;
  h.writeUInt32LE(streamId, 8);
  return Buffer.concat([h, payload]);
}

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** Warning-or-worse log lines of the session whose remote port is `port`. */
function problemLines(port: number): string[] {
  return s!.logs.filter((l) => l.includes(`"remote":"127.0.0.1:${port}"`) && /"level":(40|50|60)/.test(l));
}

describe("abusive clients next to a live ffmpeg publisher", () => {
  it("closes each bad connection with one log line and keeps the good stream intact", async () => {
    s = await startTestServer({
      keys: { [GOOD_KEY]: "show", [ABUSE_KEY]: "abuse" },
      // Every client here comes from 127.0.0.1: the per-address cap (tests/faults/rtmp-flood.test.ts) is lifted.
      limits: { handshakeTimeoutMs: 500, publishTimeoutMs: 1_500, idleTimeoutMs: 1_500, maxConnectionsPerAddress: 1_000 },
    });
    const port = s.port;
    const good = run("ffmpeg", ffmpegPublishArgs(`rtmp://127.0.0.1:${port}/live/${GOOD_KEY}`, { seconds: 3 }));
    const goodPublish = await s.nextPublish();

    // 200 connections that never say anything: dropped by the handshake timeout.
    const idle = await Promise.all(Array.from({ length: 200 }, () => openSocket(port)));

    // Truncated handshake, and an HTTP request on the RTMP port.
    const truncated = await openSocket(port);
    truncated.write(Buffer.concat([Buffer.of(3), randomBytes(99)]));
    const http = await openSocket(port);
    http.write(Buffer.concat([Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Buffer.alloc(1600, 0x41)]));

    // Connected clients that then misbehave.
    const connected = async (): Promise<RawRtmpClient> => {
      const c = await RawRtmpClient.connected(port);
      sockets.push(c.socket);
      ports.set(c.socket, c.socket.localPort!);
      return c;
    };
    const garbage = await connected();
    garbage.write(randomBytes(8_192));
    const chunkSizeZero = await connected();
    chunkSizeZero.write(rawChunk(2, 1, 4, u32(0)));
    const chunkSizeHuge = await connected();
    chunkSizeHuge.write(rawChunk(2, 1, 4, u32(2 ** 31)));
    const overCap = await connected();
    overCap.write(rawChunk(6, 9, 0xffffff, Buffer.alloc(128)));
    const manyStreams = await connected();
    for (let i = 0; i < 100; i++) manyStreams.send({ csid: 3 + i, typeId: 8, streamId: 0, timestamp: 0, payload: Buffer.of(0xaf) });
    const neverEndsBeforePublish = await connected();
    // Under the 64 KiB allowed before a publish (a bigger header is refused at once as message-too-large).
    neverEndsBeforePublish.write(rawChunk(6, 9, 60_000, Buffer.alloc(128)));

    // A publisher whose video message never completes: the media timeout ends it.
    const neverEnds = await connected();
    expect((await neverEnds.publish(ABUSE_KEY)).code).toBe("NetStream.Publish.Start");
    const abusePublish = await s.nextPublish();
    const abuseClosed = new Promise<string>((resolve) => abusePublish.once("close", resolve));
    neverEnds.media("video", 0, avcSequenceHeader());
    neverEnds.write(rawChunk(6, 9, 100_000, Buffer.alloc(128), 1));

    const bad = [
      truncated,
      http,
      garbage.socket,
      chunkSizeZero.socket,
      chunkSizeHuge.socket,
      overCap.socket,
      manyStreams.socket,
      neverEndsBeforePublish.socket,
      neverEnds.socket,
    ];
    const badPorts = bad.map((x) => ports.get(x)!);
    const idlePorts = idle.map((x) => ports.get(x)!);
    await Promise.all([...idle, ...bad].map((x) => closedByServer(x)));
    expect(await abuseClosed).toBe("no media before media timeout");

    // Meanwhile the good publisher was never disturbed.
    const result = await good;
    expect(result.code, result.stderr).toBe(0);
    expect(goodPublish.closed).toBe(true);
    const summary = await s.recordings.get(goodPublish)!;
    expect(summary.reason).toBe("unpublished");
    const probe = await ffprobe(summary.path);
    expect(probe.streams.map((x) => `${x.codec_type}:${x.codec_name}`).sort()).toEqual(["audio:aac", "video:h264"]);
    expect(Number(probe.format.duration)).toBeGreaterThan(2.5);
    expect(await decodeErrors(summary.path)).toBe("");

    // One warning line per bad connection, naming what happened.
    const reasons = badPorts.map((p) => {
      const lines = problemLines(p);
      expect(lines, `port ${p}`).toHaveLength(1);
      return (JSON.parse(lines[0]!) as { reason: string; code?: string }).code ?? (JSON.parse(lines[0]!) as { reason: string }).reason;
    });
    expect(reasons).toEqual([
      "handshake timeout",
      "bad-version",
      expect.stringMatching(
        /^(bad-chunk-size|message-too-large|too-many-chunk-streams|no-previous-header|pending-limit|bad-control-message|no publish before idle timeout|malformed command|command before connect|second connect)$/,
      ),
      "bad-chunk-size",
      "bad-chunk-size",
      "message-too-large",
      "too-many-chunk-streams",
      "no publish before idle timeout",
      "no media before media timeout",
    ]);
    for (const p of idlePorts) expect(problemLines(p)).toHaveLength(1);

    // And the server still serves: a new publisher gets in.
    expect(s.server.connectionCount).toBe(0);
    const after = await connected();
    expect((await after.publish(GOOD_KEY)).code).toBe("NetStream.Publish.Start");
  });

  it("closes a peer that sends commands but never reads the replies", async () => {
    s = await startTestServer({ limits: { maxWriteBufferBytes: 64 * 1024, publishTimeoutMs: 30_000 } });
    const deaf = await RawRtmpClient.connected(s.port);
    sockets.push(deaf.socket);
    const port = deaf.socket.localPort!;
    deaf.socket.pause();
    // Each FCPublish draws ~3x its size in replies; once the kernel buffers are full, Node's queue grows.
    const batch = Buffer.concat(
      Array.from({ length: 5_000 }, (_, i) =>
        deaf.writer.encode({ csid: 3, typeId: 20, streamId: 0, timestamp: 0, payload: encodeAmf0(["FCPublish", i + 2, null, "x"]) }),
      ),
    );
    for (let i = 0; i < 200 && !deaf.isClosed; i++) {
      deaf.write(batch);
      await new Promise((r) => setTimeout(r, 5));
    }
    await closedByServer(deaf.socket, 20_000);
    const lines = problemLines(port);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("peer does not read its replies");
  });
});
