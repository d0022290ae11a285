import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Amf0EcmaArray, decodeAmf0, type Amf0Object } from "../../../ingest/src/rtmp/amf0.js";
import type { FlvTag } from "../../../ingest/src/rtmp/flv.js";
import { MessageType, UserControlEvent, userControlMessage, windowAckSizeMessage } from "../../../ingest/src/rtmp/messages.js";
import type { RtmpPublish } from "../../../ingest/src/rtmp/publish.js";
import { RawRtmpClient, aacFrame, aacSequenceHeader, avcInterFrame, avcKeyframe, avcSequenceHeader } from "./helpers/raw-client.js";
import { startTestServer, type TestServer, type TestServerOptions } from "./helpers/server.js";

const KEY = "good-key-0123456789";
let current: TestServer | null = null;
const clients: RawRtmpClient[] = [];

async function setup(options: TestServerOptions = {}): Promise<TestServer> {
  current = await startTestServer(options);
  return current;
}

async function client(port: number, app = "live"): Promise<RawRtmpClient> {
  const c = await RawRtmpClient.connected(port, app);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await current?.close();
  current = null;
});

function collectTags(publish: RtmpPublish): FlvTag[] {
  const tags: FlvTag[] = [];
  publish.on("tag", (t) => tags.push(t));
  return tags;
}

const closeReason = (publish: RtmpPublish): Promise<string> =>
  publish.closed ? Promise.resolve("already closed") : new Promise((resolve) => publish.once("close", resolve));

const until = async (check: () => boolean, timeoutMs = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("RtmpServer with a scripted publisher", () => {
  it("answers connect with Window Ack, Set Peer Bandwidth, Set Chunk Size, then _result", async () => {
    const { port } = await setup();
    const c = await client(port);
    const types = c.received.map((m) => m.typeId);
    expect(types.slice(0, 4)).toEqual([
      MessageType.windowAckSize,
      MessageType.setPeerBandwidth,
      MessageType.setChunkSize,
      MessageType.commandAmf0,
    ]);
    expect(c.received[2]!.payload.readUInt32BE(0)).toBe(4096);
    const result = c.commands()[0]!;
    expect(result.name).toBe("_result");
    expect((result.values[3] as Amf0Object).code).toBe("NetConnection.Connect.Success");
    expect((result.values[2] as Amf0Object).fmsVer).toMatch(/^FMS\//);
  });

  it("publishes: createStream id, Publish.Start after authenticate, tags with timestamps, metadata as onMetaData", async () => {
    const s = await setup();
    const c = await client(s.port);
    const status = await c.publish(KEY);
    expect(status).toMatchObject({ level: "status", code: "NetStream.Publish.Start" });
    expect(s.authenticated).toEqual([KEY]);
    const created = c.commands().find((x) => x.name === "_result" && typeof x.values[3] === "number");
    expect(created?.values[3]).toBe(1);
    expect(c.commands().some((x) => x.name === "onFCPublish")).toBe(true);
    const streamBegin = c.received.find((m) => m.typeId === MessageType.userControl);
    expect(streamBegin?.payload.toString("hex")).toBe("000000000001");

    const publish = await s.nextPublish();
    expect(publish.stream).toBe("show");
    expect(publish.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const tags = collectTags(publish);
    c.metadata({ width: 640, height: 360, videocodecid: 7 });
    c.media("video", 0, avcSequenceHeader());
    c.media("audio", 0, aacSequenceHeader());
    c.media("video", 33, avcKeyframe());
    c.media("audio", 21, aacFrame());
    c.media("video", 66, avcInterFrame());
    await until(() => tags.length === 6);
    expect(tags.map((t) => `${t.type}@${t.timestamp}`)).toEqual(["script@0", "video@0", "audio@0", "video@33", "audio@21", "video@66"]);
    expect(tags[3]!.data.equals(avcKeyframe())).toBe(true);
    const script = decodeAmf0(tags[0]!.data);
    expect(script.ok && script.value[0]).toBe("onMetaData");
    expect(script.ok && script.value[1]).toBeInstanceOf(Amf0EcmaArray);
    expect(publish.metadata).toMatchObject({ width: 640, height: 360, videocodecid: 7 });
    // A repeated onMetaData (GStreamer sends several) updates metadata but is not emitted again.
    c.metadata({ width: 1280, height: 720, videocodecid: 7 });
    c.media("video", 99, avcInterFrame());
    await until(() => tags.length === 7);
    expect(tags[6]!.type).toBe("video");
    expect(publish.metadata).toMatchObject({ width: 1280, height: 720 });
    expect(s.slots.publisherOf("show")).toBe(publish);
  });

  it("sends Publish.Start only once authenticate has resolved", async () => {
    let release: (name: string | null) => void = () => undefined;
    const s = await setup({ authenticate: () => new Promise((resolve) => (release = resolve)) });
    const c = await client(s.port);
    const status = c.publish(KEY);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.commands().some((x) => x.name === "onStatus")).toBe(false);
    release("show");
    expect((await status).code).toBe("NetStream.Publish.Start");
  });

  it("holds media pipelined right behind publish until the key check ends, then delivers all of it in order", async () => {
    let release: (name: string | null) => void = () => undefined;
    const tags: FlvTag[] = [];
    const s = await setup({
      authenticate: () => new Promise((resolve) => (release = resolve)),
      // Listeners attach as the hub's do: while the claim is decided, before Publish.Start.
      onPublish: (publish) => {
        publish.on("tag", (t) => tags.push(t));
        return "accepted";
      },
    });
    const c = await client(s.port);
    c.command(["createStream", 2, null]);
    c.command(["publish", 3, null, KEY, "live"], 1, 8);
    c.metadata({ width: 1280, height: 720 });
    c.media("video", 0, avcSequenceHeader());
    c.media("audio", 0, aacSequenceHeader());
    // A keyframe larger than an unauthenticated connection's 64 KiB message limit.
    const bigKeyframe = Buffer.concat([avcKeyframe(), Buffer.alloc(300 * 1024, 7)]);
    c.media("video", 0, bigKeyframe);
    c.media("audio", 21, aacFrame());
    c.media("video", 33, avcInterFrame());
    await new Promise((r) => setTimeout(r, 200));
    expect(tags).toEqual([]);
    release("show");
    const status = await c.waitForCommand((x) => x.name === "onStatus");
    expect((status.values[3] as Amf0Object).code).toBe("NetStream.Publish.Start");
    await until(() => tags.length === 6);
    expect(tags.map((t) => `${t.type}@${t.timestamp}`)).toEqual(["script@0", "video@0", "audio@0", "video@0", "audio@21", "video@33"]);
    expect(tags[3]!.data.equals(bigKeyframe)).toBe(true);
  });

  it("closes a connection that pipelines more than 1 MiB before its publish is decided", async () => {
    const s = await setup({ authenticate: () => new Promise(() => undefined) });
    const c = await client(s.port);
    c.command(["createStream", 2, null]);
    c.command(["publish", 3, null, KEY, "live"], 1, 8);
    for (let i = 0; i < 5; i++) c.media("video", i * 33, Buffer.concat([avcKeyframe(), Buffer.alloc(300 * 1024)]));
    await c.closed;
    expect(s.logs.some((l) => l.includes("too much media before the publish was accepted"))).toBe(true);
  });

  it("strips a ?query from the publish name before authenticating", async () => {
    const s = await setup();
    const c = await client(s.port);
    expect((await c.publish(`${KEY}?token=abc`)).code).toBe("NetStream.Publish.Start");
    expect(s.authenticated).toEqual([KEY]);
  });

  it("refuses a wrong key with BadName 'invalid stream key', closes, and never logs the key", async () => {
    const s = await setup();
    const c = await client(s.port);
    const wrong = "wrong-secret-key-abcdef";
    const status = await c.publish(wrong);
    expect(status).toMatchObject({ level: "error", code: "NetStream.Publish.BadName", description: "invalid stream key" });
    await c.closed;
    expect(s.publishes).toHaveLength(0);
    const all = s.logs.join("\n");
    expect(all).not.toContain(wrong);
    expect(all).toMatch(/"keyFingerprint":"[0-9a-f]{8}"/);
    expect(all).toContain("publish refused: invalid stream key");
  });

  it("refuses a publish the application calls busy", async () => {
    const s = await setup({ onPublish: () => "busy" });
    const c = await client(s.port);
    expect(await c.publish(KEY)).toMatchObject({ code: "NetStream.Publish.BadName", description: "stream busy" });
    await c.closed;
  });

  it("refuses a connect to another app", async () => {
    const s = await setup();
    const c = await RawRtmpClient.open(s.port);
    clients.push(c);
    await c.handshake();
    const reply = await c.connectApp("other");
    expect(reply.name).toBe("_error");
    expect((reply.values[3] as Amf0Object).code).toBe("NetConnection.Connect.Rejected");
    await c.closed;
  });

  it("accepts the app with a trailing slash or query, and from tcUrl when app is missing", async () => {
    const s = await setup();
    for (const extra of [{ app: "live/" }, { app: "live?x=1" }, { app: undefined, tcUrl: "rtmp://example.org:1935/live" }]) {
      const c = await RawRtmpClient.open(s.port);
      clients.push(c);
      await c.handshake();
      const reply = await c.connectApp("ignored", extra as Amf0Object);
      expect(reply.name, JSON.stringify(extra)).toBe("_result");
    }
  });

  it("refuses play with an onStatus error and closes", async () => {
    const s = await setup();
    const c = await client(s.port);
    c.command(["play", 4, null, "show"], 1, 8);
    const status = await c.waitForCommand((x) => x.name === "onStatus");
    expect((status.values[3] as Amf0Object).level).toBe("error");
    await c.closed;
  });

  it("answers a ping request and acknowledges after the window the client set", async () => {
    const s = await setup();
    const c = await client(s.port);
    c.send(userControlMessage(UserControlEvent.pingRequest, 123_456));
    const pong = await c.waitFor((ms) => ms.find((m) => m.typeId === MessageType.userControl && m.payload.readUInt16BE(0) === 7));
    expect(pong.payload.readUInt32BE(2)).toBe(123_456);

    c.send(windowAckSizeMessage(5_000));
    await c.publish(KEY);
    for (let i = 0; i < 10; i++) c.media("video", i * 33, Buffer.concat([avcInterFrame(), Buffer.alloc(1_000)]));
    const ack = await c.waitFor((ms) => ms.find((m) => m.typeId === MessageType.acknowledgement));
    expect(ack.payload.readUInt32BE(0)).toBeGreaterThanOrEqual(5_000);
  });

  it("continues timestamps across the 32-bit wrap", async () => {
    const s = await setup();
    const c = await client(s.port);
    await c.publish(KEY);
    const tags = collectTags(await s.nextPublish());
    c.media("audio", 0xffffffe0, aacFrame());
    c.media("audio", 0x00000005, aacFrame());
    await until(() => tags.length === 2);
    expect(tags.map((t) => t.timestamp)).toEqual([0xffffffe0, 2 ** 32 + 5]);
  });

  it("ends the publish on FCUnpublish/deleteStream", async () => {
    const s = await setup();
    const c = await client(s.port);
    await c.publish(KEY);
    const publish = await s.nextPublish();
    c.command(["FCUnpublish", 6, null, KEY]);
    c.command(["deleteStream", 7, null, 1]);
    expect(await closeReason(publish)).toBe("unpublished");
    expect(s.slots.publisherOf("show")).toBeUndefined();
  });

  it.each([
    ["an unknown FLV video codec", "video", Buffer.from("4200", "hex")],
    ["an Enhanced RTMP FourCC video tag", "video", Buffer.from("9068766331", "hex")],
    ["MP3 audio", "audio", Buffer.from("2f00", "hex")],
  ] as const)("closes the publish cleanly on %s and keeps serving", async (_name, type, body) => {
    const s = await setup();
    const c = await client(s.port);
    await c.publish(KEY);
    const publish = await s.nextPublish();
    const tags = collectTags(publish);
    c.media(type, 0, body);
    expect(await closeReason(publish)).toBe("unsupported codec");
    expect(tags).toHaveLength(0);
    await c.closed;
    expect(s.logs.some((l) => l.includes('"reason":"unsupported codec"') && l.includes('"codec"'))).toBe(true);
    const again = await client(s.port);
    expect((await again.publish(KEY)).code).toBe("NetStream.Publish.Start");
  });

  it("refuses a second publisher while the first keeps sending media, takes over once it is silent", async () => {
    const s = await setup({ takeoverMs: 300 });
    const first = await client(s.port);
    await first.publish(KEY);
    const firstPublish = await s.nextPublish();
    first.media("video", 0, avcSequenceHeader());
    let ts = 0;
    const feeding = setInterval(() => first.media("audio", (ts += 21), aacFrame()), 50);

    const second = await client(s.port);
    try {
      expect(await second.publish(KEY)).toMatchObject({ code: "NetStream.Publish.BadName", description: "already publishing" });
    } finally {
      clearInterval(feeding);
    }
    await second.closed;
    expect(firstPublish.closed).toBe(false);

    // The first now goes silent (a dropped link); a newcomer right away waits out takeoverMs and takes over.
    const third = await client(s.port);
    const closed = closeReason(firstPublish);
    expect((await third.publish(KEY)).code).toBe("NetStream.Publish.Start");
    expect(await closed).toBe("taken over by a new publisher");
    expect(s.slots.publisherOf("show")).toBe(s.publishes[1]);
    await first.closed;
  });

  it("drops a claim whose publisher left while it waited, leaving the current publisher alone", async () => {
    const s = await setup({ takeoverMs: 300 });
    const first = await client(s.port);
    await first.publish(KEY);
    const firstPublish = await s.nextPublish();
    const second = await client(s.port);
    second.command(["createStream", 2, null]);
    second.command(["publish", 3, null, KEY, "live"], 1, 8);
    await until(() => s.authenticated.length === 2);
    second.destroy(); // leaves during the stale wait
    await new Promise((r) => setTimeout(r, 500));
    expect(s.publishes).toEqual([firstPublish]);
    expect(firstPublish.closed).toBe(false);
  });

  it("drops a publisher that sends no media for idleTimeoutMs", async () => {
    const s = await setup({ limits: { idleTimeoutMs: 300 } });
    const c = await client(s.port);
    await c.publish(KEY);
    const publish = await s.nextPublish();
    c.media("audio", 0, aacSequenceHeader());
    expect(await closeReason(publish)).toBe("no media before media timeout");
    await c.closed;
  });

  it("close() ends sessions with 'server closing' and resolves", async () => {
    const s = await setup();
    const c = await client(s.port);
    await c.publish(KEY);
    const publish = await s.nextPublish();
    const reason = closeReason(publish);
    await s.server.close(1_000);
    expect(await reason).toBe("server closing");
    await c.closed;
  });

  it("survives tag and close listeners that throw", async () => {
    const s = await setup({
      onPublish: (publish) => {
        // Added after the test recorder's own listeners, so its recording still completes.
        queueMicrotask(() => {
          publish.on("tag", () => {
            throw new Error("consumer bug");
          });
          publish.on("close", () => {
            throw new Error("consumer bug on close");
          });
        });
        return "accepted";
      },
    });
    const c = await client(s.port);
    await c.publish(KEY);
    c.media("video", 0, avcSequenceHeader());
    await c.closed;
    expect(s.logs.some((l) => l.includes('"reason":"internal error"'))).toBe(true);
    expect(s.logs.some((l) => l.includes("a publish close listener threw"))).toBe(true);
    const again = await client(s.port);
    expect((await again.publish(KEY)).code).toBe("NetStream.Publish.Start");
  });

  it("destroys sockets beyond maxConnections at once and logs it", async () => {
    const s = await setup({ limits: { maxConnections: 2 } });
    const held = [await RawRtmpClient.open(s.port), await RawRtmpClient.open(s.port)];
    clients.push(...held);
    await until(() => s.server.connectionCount === 2);
    const extra = connect(s.port, "127.0.0.1");
    await new Promise<void>((resolve) => extra.once("close", () => resolve()));
    expect(s.logs.some((l) => l.includes("connection limit reached"))).toBe(true);
    expect(s.server.connectionCount).toBe(2);
  });
});
