// --host and --http-host in the running ingest: RTMP and HTTP (/live, /metrics, /healthz) on separate addresses.
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
  // Test servers stay on loopback: RTMP on 127.0.0.2 stands for the public address, HTTP on 127.0.0.1.
  it("--http-host binds HTTP to its own address while RTMP listens on --host", async () => {
    ingest = await startTestIngest(["--http-host", "127.0.0.1", "--host", "127.0.0.2"]);
    const { httpAddress, rtmpAddress, httpPort, rtmpPort } = ingest.ingest;
    expect(httpAddress).toEqual({ address: "127.0.0.1", family: "IPv4", port: httpPort });
    expect(rtmpAddress).toEqual({ address: "127.0.0.2", family: "IPv4", port: rtmpPort });

    expect((await ingest.get("/healthz")).status).toBe(200);
    expect(await tcpReach("127.0.0.2", rtmpPort)).toBe("accepted");
    expect(await tcpReach("127.0.0.2", httpPort)).toBe("refused");
    expect(await tcpReach("127.0.0.1", rtmpPort)).toBe("refused");
  });

  it("without --http-host HTTP listens where --host says", async () => {
    ingest = await startTestIngest(["--host", "127.0.0.1"]);
    expect(ingest.ingest.httpAddress.address).toBe("127.0.0.1");
    expect(ingest.ingest.rtmpAddress.address).toBe("127.0.0.1");
  });
});
