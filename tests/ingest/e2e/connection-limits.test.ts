// --max-connections-per-address in the running ingest: sockets from one address beyond the cap are closed
// on accept, other addresses are not affected.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestIngest, type TestIngest } from "./support.js";

let ingest: TestIngest | null = null;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await ingest?.close();
  ingest = null;
});

/** Connects from localAddress; resolves "closed" if the server closes the socket within waitMs, else "open". */
function connectFrom(port: number, localAddress: string, waitMs: number): Promise<"open" | "closed"> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    sockets.push(socket);
    socket.once("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.once("close", () => resolve("closed"));
    socket.once("connect", () => setTimeout(() => resolve("open"), waitMs));
  });
}

describe("RTMP connections per address", () => {
  it("--max-connections-per-address closes the connections one address opens beyond it", async () => {
    ingest = await startTestIngest(["--max-connections-per-address", "2"]);
    const port = ingest.ingest.rtmpPort;
    const first = await Promise.all([connectFrom(port, "127.0.0.3", 500), connectFrom(port, "127.0.0.3", 500)]);
    expect(first).toEqual(["open", "open"]);
    expect(await connectFrom(port, "127.0.0.3", 1_000)).toBe("closed");
    expect(await connectFrom(port, "127.0.0.4", 500)).toBe("open");
  });
});
