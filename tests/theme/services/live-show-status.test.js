import { afterEach, describe, expect, test } from "vitest";
import { isStreamLive } from "../../../javascripts/discourse/lib/stream-statuses";
import { setupRenderingTest } from "../support/rendering";
import { startStatusServer } from "../support/status-server";

describe("live-show-status service against a real HTTP server", () => {
  const ctx = setupRenderingTest();
  let server;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function lookup(now) {
    const service = ctx.owner.lookup("service:live-show-status");
    service.now = () => now.value;
    return service;
  }

  test("one instance per app: concurrent and repeated calls within the TTL share one request", async () => {
    server = await startStatusServer(() => ({ body: { streams: [{ name: "main", live: true }] } }));
    const now = { value: 1_000 };
    const service = lookup(now);
    expect(ctx.owner.lookup("service:live-show-status")).toBe(service);
    const results = await Promise.all([1, 2, 3].map(() => service.statuses(server.baseUrl)));
    expect(server.requests).toEqual(["/live/status.json"]);
    for (const statuses of results) {
      expect(isStreamLive(statuses, "main")).toBe(true);
    }
    now.value += service.ttlMs - 1;
    await service.statuses(server.baseUrl);
    expect(server.requests).toHaveLength(1);
    now.value += 1;
    await service.statuses(server.baseUrl);
    expect(server.requests).toHaveLength(2);
  });

  test("failures are cached for the TTL too", async () => {
    server = await startStatusServer(() => ({ status: 503, body: { error: "down" } }));
    const service = lookup({ value: 0 });
    expect((await service.statuses(server.baseUrl)).size).toBe(0);
    expect((await service.statuses(server.baseUrl)).size).toBe(0);
    expect(server.requests).toHaveLength(1);
  });
});
