import { afterEach, describe, expect, test } from "vitest";
import { isStreamLive, parseStatuses, StatusCache } from "../../../javascripts/discourse/lib/status-cache";
import { startStatusServer } from "../support/status-server";

describe("parseStatuses", () => {
  const expected = new Map([
    ["main", { live: true, viewers: 12 }],
    ["b", { live: false, viewers: null }],
  ]);
  test.each([
    ["{ streams: [...] }", { streams: [{ name: "main", live: true, viewers: 12 }, { name: "b", live: false }] }],
    ["bare array", [{ name: "main", state: "live", viewers: 12 }, { name: "b", state: "offline" }]],
    ["{ streams: { name: ... } }", { streams: { main: { live: true, viewers: 12 }, b: { live: false } } }],
    ["object keyed by name", { main: { live: true, viewers: 12 }, b: { state: "ended" } }],
  ])("%s", (_, body) => {
    expect(parseStatuses(body)).toEqual(expected);
  });

  test.each([null, "x", 3, { streams: [{ live: true }] }])("nothing usable in %j", (body) => {
    expect(parseStatuses(body).size).toBe(0);
  });

  test("isStreamLive", () => {
    expect(isStreamLive(expected, "main")).toBe(true);
    expect(isStreamLive(expected, "b")).toBe(false);
    expect(isStreamLive(expected, "other")).toBe(false);
  });
});

describe("StatusCache against a real HTTP server", () => {
  let server;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("concurrent and repeated calls within the TTL share one request", async () => {
    server = await startStatusServer(() => ({ body: { streams: [{ name: "main", live: true }] } }));
    let now = 1_000;
    const cache = new StatusCache({ ttlMs: 15_000, now: () => now });
    const results = await Promise.all([cache.get(server.baseUrl), cache.get(server.baseUrl), cache.get(server.baseUrl)]);
    expect(server.requests).toEqual(["/live/status.json"]);
    for (const statuses of results) {
      expect(isStreamLive(statuses, "main")).toBe(true);
    }
    now += 14_999;
    await cache.get(server.baseUrl);
    expect(server.requests).toHaveLength(1);
    now += 1;
    await cache.get(server.baseUrl);
    expect(server.requests).toHaveLength(2);
  });

  test("an error response or unreachable ingest reads as nothing live", async () => {
    server = await startStatusServer(() => ({ status: 503, body: { error: "down" } }));
    const cache = new StatusCache();
    expect((await cache.get(server.baseUrl)).size).toBe(0);
    const closedUrl = server.baseUrl;
    await server.close();
    server = undefined;
    expect((await new StatusCache().get(closedUrl)).size).toBe(0);
  });

  test("clear() forgets cached statuses", async () => {
    server = await startStatusServer(() => ({ body: [] }));
    const cache = new StatusCache();
    await cache.get(server.baseUrl);
    cache.clear();
    await cache.get(server.baseUrl);
    expect(server.requests).toHaveLength(2);
  });
});
