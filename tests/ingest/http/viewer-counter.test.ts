import { describe, expect, it } from "vitest";
import { ViewerCounter } from "../../../ingest/src/http/viewer-counter.js";

function counter(options: { windowMs?: number; maxIdsPerStream?: number } = {}) {
  let now = 1_000;
  const c = new ViewerCounter({ ...options, now: () => now });
  return { c, advance: (ms: number) => (now += ms) };
}

describe("ViewerCounter", () => {
  it("counts distinct ids per stream", () => {
    const { c } = counter();
    c.heartbeat("a", "id-1");
    c.heartbeat("a", "id-1");
    c.heartbeat("a", "id-2");
    c.heartbeat("b", "id-1");
    expect(c.count("a")).toBe(2);
    expect(c.count("b")).toBe(1);
    expect(c.count("c")).toBe(0);
    expect(c.streamNames().sort()).toEqual(["a", "b"]);
  });

  it("forgets an id 30 s after its last heartbeat", () => {
    const { c, advance } = counter();
    c.heartbeat("a", "early");
    advance(20_000);
    c.heartbeat("a", "late");
    c.heartbeat("a", "renewed");
    advance(9_999);
    expect(c.count("a")).toBe(3);
    advance(1);
    expect(c.count("a")).toBe(2);
    advance(20_000);
    expect(c.count("a")).toBe(0);
    expect(c.streamNames()).toEqual([]);
  });

  it("a renewed heartbeat keeps an id counted", () => {
    const { c, advance } = counter({ windowMs: 1_000 });
    c.heartbeat("a", "x");
    for (let i = 0; i < 10; i++) {
      advance(900);
      c.heartbeat("a", "x");
    }
    expect(c.count("a")).toBe(1);
  });

  it("keeps at most maxIdsPerStream ids, dropping the least recently seen", () => {
    const { c, advance } = counter({ maxIdsPerStream: 3 });
    for (const id of ["1", "2", "3"]) {
      c.heartbeat("a", id);
      advance(10);
    }
    c.heartbeat("a", "1"); // 1 is now the most recent
    c.heartbeat("a", "4"); // evicts 2
    expect(c.count("a")).toBe(3);
    advance(29_985);
    c.heartbeat("a", "5"); // evicts 3, now the least recently seen
    expect(c.count("a")).toBe(3);
  });
});
