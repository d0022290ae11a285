import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseResponseHead, RawHttpConnection } from "../../bench/lib/raw-http-client.js";

describe("parseResponseHead", () => {
  it.each([
    ["HTTP/1.1 200 OK\r\nContent-Length: 12", { status: 200, length: 12, close: false }],
    ["HTTP/1.1 503 Service Unavailable\r\ncontent-length:0\r\nConnection: close", { status: 503, length: 0, close: true }],
    ["HTTP/1.0 404 \r\nX-A: b\r\nCONTENT-LENGTH: \t7", { status: 404, length: 7, close: false }],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", "response without Content-Length"],
    ["HTTP/2 200\r\nContent-Length: 1", expect.stringMatching(/^bad status line/)],
    ["garbage", expect.stringMatching(/^bad status line/)],
  ])("%j", (head, expected) => {
    expect(parseResponseHead(head)).toEqual(expected);
  });
});

describe("RawHttpConnection", () => {
  const servers: { close(): void }[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  async function listen<T extends Server | ReturnType<typeof createTcpServer>>(server: T): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  it("keeps one connection alive over many requests and returns bodies when asked", async () => {
    const sockets = new Set<Socket>();
    const server = createHttpServer((req, res) => {
      sockets.add(req.socket);
      const body = Buffer.from(`you asked ${req.url}`);
      res.writeHead(req.url === "/missing" ? 404 : 200, { "Content-Length": body.length });
      res.end(body);
    });
    const port = await listen(server);
    const connection = new RawHttpConnection("127.0.0.1", port, `127.0.0.1:${port}`);
    let counted = 0;
    for (let i = 0; i < 20; i++) {
      const result = await connection.get(`/a?i=${i}`, true, 2000, (n) => (counted += n));
      expect(result).toEqual({ ok: true, status: 200, body: Buffer.from(`you asked /a?i=${i}`) });
    }
    expect(await connection.get("/missing", false, 2000)).toEqual({ ok: true, status: 404, body: null });
    expect(sockets.size).toBe(1);
    expect(counted).toBe(Array.from({ length: 20 }, (_, i) => `you asked /a?i=${i}`.length).reduce((a, b) => a + b));
    connection.destroy();
  });

  it("reads a response split at every byte, and reconnects after Connection: close", async () => {
    const response = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    let accepted = 0;
    const server = createTcpServer((socket) => {
      accepted++;
      socket.once("data", async () => {
        for (const byte of response) {
          socket.write(Buffer.from([byte]));
          await new Promise((r) => setImmediate(r));
        }
        socket.end();
      });
    });
    const port = await listen(server);
    const connection = new RawHttpConnection("127.0.0.1", port, "x");
    expect(await connection.get("/", true, 5000)).toEqual({ ok: true, status: 200, body: Buffer.from("hello") });
    expect(await connection.get("/", true, 5000)).toEqual({ ok: true, status: 200, body: Buffer.from("hello") });
    expect(accepted).toBe(2);
    connection.destroy();
  });

  it("reports a timeout when the deadline check finds the response late, and a network error when the server hangs up", async () => {
    const server = createTcpServer((socket) => {
      socket.once("data", (d) => {
        if (d.toString().startsWith("GET /hangup")) socket.destroy();
      });
    });
    const port = await listen(server);
    const connection = new RawHttpConnection("127.0.0.1", port, "x");
    const late = connection.get("/silent", false, 50);
    await new Promise((r) => setTimeout(r, 100));
    connection.checkDeadline(performance.now());
    expect(await late).toMatchObject({ ok: false, error: "timeout" });
    expect(await connection.get("/hangup", false, 5000)).toMatchObject({ ok: false, error: "network", message: "connection closed" });
    connection.destroy();
  });

  it("rejects a chunked response and a body longer than announced", async () => {
    const server = createTcpServer((socket) => {
      socket.once("data", (d) => {
        socket.write(
          d.toString().startsWith("GET /chunked")
            ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc",
        );
      });
    });
    const port = await listen(server);
    const connection = new RawHttpConnection("127.0.0.1", port, "x");
    expect(await connection.get("/chunked", false, 5000)).toEqual({
      ok: false,
      error: "network",
      message: "response without Content-Length",
    });
    expect(await connection.get("/long", false, 5000)).toEqual({ ok: false, error: "network", message: "more bytes than Content-Length" });
    connection.destroy();
  });
});
