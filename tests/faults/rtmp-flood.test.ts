// Strangers on port 1935 without a key: one address holding as many connections as it can, and many
// addresses each starting a huge message right after the handshake. The performer still gets in, and the
// unauthenticated connections cannot make the ingest hold their bytes.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressKey } from "../../ingest/src/net/address-key.js";
import { httpRequest } from "../../soak/http-client.js";
import { cleanup, publish, sleep, startTestIngest, STREAM, until, type TestIngest } from "./support.js";

let t: TestIngest;
const sockets = new Set<Socket>();

beforeAll(async () => {
  t = await startTestIngest();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await t?.ingest.close();
  cleanup();
});

function open(localAddress: string): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ port: t.ingest.rtmpPort, host: "127.0.0.1", localAddress });
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
    socket.once("connect", () => resolve(socket));
    socket.once("close", () => resolve(socket));
  });
}

const rtmpConnections = async () => (await t.metric("live_rtmp_connections")) ?? NaN;

describe("unauthenticated RTMP clients", () => {
  it("one address keeping 300 idle connections open cannot lock the performer out", async () => {
    // Reopen every connection the server closes, as fast as a script would.
    let flooding = true;
    const keepOne = async (): Promise<void> => {
      while (flooding) {
        const socket = await open("127.0.0.2");
        if (!socket.destroyed) await new Promise((resolve) => socket.once("close", resolve));
        await sleep(20);
      }
    };
    const loops = Array.from({ length: 300 }, () => keepOne());
    const performer = publish(t.rtmpUrl(), 30);
    let during: number;
    try {
      await sleep(1_000);
      during = await rtmpConnections();
      await until("the performer's publish accepted", () => t.logs.some((l) => l.includes('"msg":"publish started"')), 15_000);
      await until(
        "parts from the performer",
        async () => (await httpRequest(t.url(`/live/${STREAM}/index.m3u8`))).body.toString().includes("#EXT-X-PART:"),
        20_000,
        200,
      );
    } finally {
      flooding = false;
      for (const s of sockets) s.destroy();
      await Promise.all(loops);
      performer.child.kill("SIGKILL");
      await performer.exited;
    }
    // The flooding address held only its share of the connection slots.
    expect(during).toBeLessThanOrEqual(16);
    expect(t.logs.some((l) => l.includes("too many connections from one address"))).toBe(true);
  });

  it("huge messages before any publish are refused at their header, not buffered", async () => {
    const before = process.memoryUsage().arrayBuffers;
    const handshake = Buffer.concat([Buffer.of(3), Buffer.alloc(1536), Buffer.alloc(1536)]);
    // Set Chunk Size 65536 on csid 2, then a 4 MiB command message (the most the server accepts) on csid 3.
    // basic header | timestamp | length | type | stream id (LE) [| payload]
    const setChunkSize = Buffer.from("02" + "000000" + "000004" + "01" + "00000000" + "00010000", "hex");
    const bigHeader = Buffer.from("03" + "000000" + "400000" + "14" + "00000000", "hex");
    const chunk = Buffer.alloc(65_536, 0x41);
    const closedEarly: boolean[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const socket = await open(`127.0.1.${i + 1}`);
        socket.write(Buffer.concat([handshake, setChunkSize, bigHeader]));
        let sent = 0;
        // 1 MiB of the message body, one chunk at a time; a refused connection is closed long before.
        for (let n = 0; n < 16 && !socket.destroyed; n++) {
          await new Promise<void>((resolve) => socket.write(n === 0 ? chunk : Buffer.concat([Buffer.of(0xc3), chunk]), () => resolve()));
          sent += chunk.length;
          await sleep(50);
        }
        closedEarly.push(socket.destroyed || sent < 16 * chunk.length);
      }),
    );
    const held = process.memoryUsage().arrayBuffers - before;
    for (const s of sockets) s.destroy();
    await until("the attackers gone", async () => (await rtmpConnections()) === 0, 10_000);
    console.info(`unauthenticated big messages: ${Math.round(held / 2 ** 20)} MiB of buffers held after 100 x 1 MiB sent`);
    expect(closedEarly.filter(Boolean)).toHaveLength(100);
    expect(t.logs.filter((l) => l.includes('"code":"message-too-large"')).length).toBeGreaterThanOrEqual(100);
  });
});

describe("addressKey (what maxConnectionsPerAddress counts as one address)", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:0:0:0:1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
  ])("%s -> %s", (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
