import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchStatus, parseStatus, streamUrls } from "../../player/src/status-client.js";

describe("streamUrls", () => {
  it.each([
    ["https://forum.example/live", "show"],
    ["https://forum.example/live/", "show"],
    ["https://forum.example/live//", "show"],
  ])("builds the stream URLs under %s", (base, stream) => {
    expect(streamUrls(base, stream, "https://forum.example/t/topic/1")).toEqual({
      playlist: "https://forum.example/live/show/index.m3u8",
      status: "https://forum.example/live/show/status.json",
      viewers: "https://forum.example/live/show/viewers",
    });
  });

  it("resolves a relative base against the page and encodes the stream name", () => {
    expect(streamUrls("/live", "a b/c", "https://forum.example/t/x/2").status).toBe("https://forum.example/live/a%20b%2Fc/status.json");
  });
});

describe("parseStatus", () => {
  it.each([
    [
      { state: "live", live: true, viewers: 4 },
      { ok: true, state: "live", viewers: 4 },
    ],
    [
      { state: "reconnecting", live: false, viewers: 2 },
      { ok: true, state: "reconnecting", viewers: 2 },
    ],
    [
      { state: "ended", live: false },
      { ok: true, state: "ended", viewers: null },
    ],
    [
      { live: true, viewers: 3.7 },
      { ok: true, state: "live", viewers: 3 },
    ],
    [
      { live: false, viewers: -1 },
      { ok: true, state: "offline", viewers: null },
    ],
    [
      { state: "paused", live: true },
      { ok: true, state: "live", viewers: null },
    ],
    [
      { state: "live", viewers: 1, access: "members" },
      { ok: true, state: "live", viewers: 1, access: "members" },
    ],
    [
      { state: "live", viewers: 1, access: "groups" },
      { ok: true, state: "live", viewers: 1, access: "groups" },
    ],
    [
      { state: "live", viewers: 1, access: "public" },
      { ok: true, state: "live", viewers: 1 },
    ],
    [
      { state: "live", viewers: 1, access: "everyone" },
      { ok: true, state: "live", viewers: 1 },
    ],
  ])("reads %j", (body, expected) => {
    expect(parseStatus(body)).toEqual(expected);
  });

  it.each([[null], ["live"], [{}], [{ state: 1 }]])("rejects %j", (body) => {
    expect(parseStatus(body).ok).toBe(false);
  });
});

describe("fetchStatus", () => {
  let server: Server;
  let base = "";
  let hang: (() => void)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/live.json") return void res.end(JSON.stringify({ state: "live", live: true, viewers: 9 }));
      if (req.url === "/broken.json") return void res.end("{not json");
      if (req.url === "/error.json") return void res.writeHead(502).end();
      if (req.url === "/hang.json") return void hang.push(() => res.end("{}"));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    hang.forEach((release) => release());
    hang = [];
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const signal = () => new AbortController().signal;

  it("reads a live status", async () => {
    expect(await fetchStatus(`${base}/live.json`, signal())).toEqual({ ok: true, state: "live", viewers: 9 });
  });

  it("treats an unknown stream (404) as offline", async () => {
    expect(await fetchStatus(`${base}/missing.json`, signal())).toEqual({ ok: true, state: "offline", viewers: null });
  });

  it("reports server errors, bad JSON, timeouts and unreachable hosts as failures", async () => {
    expect(await fetchStatus(`${base}/error.json`, signal())).toEqual({ ok: false, reason: "HTTP 502" });
    expect((await fetchStatus(`${base}/broken.json`, signal())).ok).toBe(false);
    expect(await fetchStatus(`${base}/hang.json`, signal(), 200)).toEqual({ ok: false, reason: "timeout" });
    expect(await fetchStatus("http://127.0.0.1:1/status.json", signal())).toEqual({ ok: false, reason: "unreachable" });
  });

  it("rejects when the caller aborts (destroy)", async () => {
    const controller = new AbortController();
    const pending = fetchStatus(`${base}/hang.json`, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});
