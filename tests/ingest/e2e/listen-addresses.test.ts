// --host and --http-host in the running ingest: RTMP public, HTTP (/live, /metrics, /healthz) on loopback only.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestIngest, type TestIngest } from "./support.js";

let ingest: TestIngest | null = null;

afterEach(async () => {
  await ingest?.close();
  ingest = null;
});

/** Whether a TCP connection to host:port is accepted ("refused" when nothing listens there). */
function tcpReach(host: string, port: number): Promise<"accepted" | "refused"> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 5_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("accepted");
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`connecting to ${host}:${port} timed out`));
    });
    socket.once("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNREFUSED" ? resolve("refused") : reject(error)));
  });
}

describe("listen addresses", () => {
  it("--http-host 127.0.0.1 --host 0.0.0.0 binds HTTP to loopback only and RTMP to every interface", async () => {
    ingest = await startTestIngest(["--http-host", "127.0.0.1", "--host", "0.0.0.0"]);
    const { httpAddress, rtmpAddress, httpPort, rtmpPort } = ingest.ingest;
    expect(httpAddress).toEqual({ address: "127.0.0.1", family: "IPv4", port: httpPort });
    expect(rtmpAddress).toEqual({ address: "0.0.0.0", family: "IPv4", port: rtmpPort });

    expect((await ingest.get("/healthz")).status).toBe(200);
    // 127.0.0.2 is another address of this machine (127.0.0.0/8 is loopback on Linux): reaches only what
    // listens on every interface, as an outside address would.
    expect(await tcpReach("127.0.0.2", rtmpPort)).toBe("accepted");
    expect(await tcpReach("127.0.0.2", httpPort)).toBe("refused");
  });

  it("without --http-host HTTP listens where --host says", async () => {
    ingest = await startTestIngest(["--host", "127.0.0.1"]);
    expect(ingest.ingest.httpAddress.address).toBe("127.0.0.1");
    expect(ingest.ingest.rtmpAddress.address).toBe("127.0.0.1");
  });
});
