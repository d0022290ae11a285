// Slow and idle HTTP clients next to a real viewer: 1000 connections that never send a request, a client that
// reads its response one byte per second, and one that pipelines requests it never reads. The viewer keeps
// getting every part; the server closes the others once they have been silent for its idle timeout.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlHlsViewer } from "../../soak/llhls-viewer.js";
import { httpRequest } from "../../soak/http-client.js";
import { cleanup, publish, sleep, startTestIngest, STREAM, until, type TestIngest } from "./support.js";

const IDLE_MS = 4_000;
let t: TestIngest;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Short timeouts so the test does not wait the production minute; a held request waits at most
  // 3 x TARGETDURATION (3 s here), under IDLE_MS.
  t = await startTestIngest([], { http: { timeouts: { headersMs: 2_000, requestMs: 4_000, keepAliveMs: 5_000, idleMs: IDLE_MS } } });
  publish(t.rtmpUrl(), 90);
  await until(
    "a playlist with a complete segment",
    async () => {
      const reply = await httpRequest(t.url(`/live/${STREAM}/index.m3u8`));
      return reply.status === 200 && reply.body.toString().includes("#EXTINF") ? true : undefined;
    },
    30_000,
    200,
  );
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await t?.ingest.close();
  cleanup();
});

/** Opens a TCP connection that keeps its side open even after the server's FIN (a client that never closes). */
function openHalfOpen(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => resolve(socket));
    socket.on("error", reject);
    socket.pause();
    sockets.push(socket);
  });
}

const connections = async () => (await t.metric("live_http_connections")) ?? NaN;

describe("slow and idle HTTP clients", () => {
  it("1000 idle connections and two non-reading clients: a normal viewer gets every part; the others are closed", async () => {
    const viewer = new LlHlsViewer({ streamUrl: t.url(`/live/${STREAM}/`), statusEveryMs: 2_000, heartbeatEveryMs: 5_000 });
    viewer.start();
    await until("the viewer fetching parts", () => viewer.stats.parts >= 4, 15_000);

    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 100 }, () => openHalfOpen(t.ingest.httpPort)));
    await until("1000 idle connections counted", async () => (await connections()) >= 1000, 10_000, 200);

    // The largest segment listed, fetched one byte per second; the same segment requested 30 times in one
    // write (pipelined) and never read: the responses fill both socket buffers and the server's queue.
    const playlist = (await httpRequest(t.url(`/live/${STREAM}/index.m3u8`))).body.toString();
    const segment = [...playlist.matchAll(/^(seg-\d+\.m4s)$/gm)].map((m) => m[1]!).at(-1)!;
    const request = `GET /live/${STREAM}/${segment} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const slow = await openHalfOpen(t.ingest.httpPort);
    slow.write(request);
    const trickle = setInterval(() => slow.read(1), 1_000);
    const pipelined = await openHalfOpen(t.ingest.httpPort);
    pipelined.write(request.repeat(30));

    const partsBefore = viewer.stats.parts;
    // The server counts each socket until it has destroyed it (the clients here never close theirs): back to
    // the viewer's keep-alive sockets and the one asking for /metrics.
    const settled = await until(
      "the idle and slow sockets closed by the server",
      async () => {
        const n = await connections();
        return n <= 3 ? n : undefined;
      },
      IDLE_MS + 40_000,
      500,
    );
    clearInterval(trickle);
    // The viewer kept going meanwhile, without a single problem (contiguous parts, all 200).
    await sleep(1_000);
    const stats = await viewer.stop();
    expect(stats.problems).toEqual([]);
    expect(stats.parts - partsBefore).toBeGreaterThan(8);
    expect(stats.heartbeats).toBeGreaterThan(0);
    expect(stats.statusPolls).toBeGreaterThan(0);
    expect(settled).toBeLessThanOrEqual(3);
    const fresh = await httpRequest(t.url(`/live/${STREAM}/status.json`));
    expect(fresh.status).toBe(200);
  });
});
