import { afterEach, describe, expect, test } from "vitest";
import { fetchStatuses, isStreamLive, parseStatuses } from "../../../javascripts/discourse/lib/stream-statuses";
import { startStatusServer } from "../support/status-server";

describe("parseStatuses", () => {
  const expected = new Map([
    ["main", { live: true, viewers: 12, startedAt: "2026-12-12T19:58:00.000Z" }],
    ["b", { live: false, viewers: null, startedAt: null }],
  ]);
  test.each([
    ["{ streams: [...] }", { streams: [{ name: "main", live: true, viewers: 12, startedAt: "2026-12-12T19:58:00.000Z" }, { name: "b", live: false }] }],
    ["bare array", [{ name: "main", state: "live", viewers: 12, startedAt: "2026-12-12T19:58:00.000Z" }, { name: "b", state: "offline", startedAt: 0 }]],
    ["{ streams: { name: ... } }", { streams: { main: { live: true, viewers: 12, startedAt: "2026-12-12T19:58:00.000Z" }, b: { live: false } } }],
    ["object keyed by name", { main: { live: true, viewers: 12, startedAt: "2026-12-12T19:58:00.000Z" }, b: { state: "ended" } }],
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

describe("fetchStatuses against a real HTTP server", () => {
  let server;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("reads the ingest's status.json", async () => {
    server = await startStatusServer(() => ({ body: { streams: [{ name: "main", live: true }] } }));
    expect(isStreamLive(await fetchStatuses(server.baseUrl), "main")).toBe(true);
    expect(server.requests).toEqual(["/live/status.json"]);
  });

  test("an error response or unreachable ingest reads as nothing live", async () => {
    server = await startStatusServer(() => ({ status: 503, body: { error: "down" } }));
    expect((await fetchStatuses(server.baseUrl)).size).toBe(0);
    const closedUrl = server.baseUrl;
    await server.close();
    server = undefined;
    expect((await fetchStatuses(closedUrl)).size).toBe(0);
  });
});
