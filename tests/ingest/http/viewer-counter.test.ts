import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ViewerCounter } from "../../../ingest/src/http/viewer-counter.js";

function counter(options: { windowMs?: number; maxIdsPerStream?: number; maxIdsPerAddress?: number } = {}) {
  let now = 1_000;
  const c = new ViewerCounter({ ...options, now: () => now });
  return { c, advance: (ms: number) => (now += ms) };
}

describe("ViewerCounter", () => {
  it("counts distinct ids per stream", () => {
    const { c } = counter();
    c.heartbeat("a", "id-1", "192.0.2.1");
    c.heartbeat("a", "id-1", "192.0.2.1");
    c.heartbeat("a", "id-2", "192.0.2.1");
    c.heartbeat("b", "id-1", "192.0.2.1");
    expect(c.count("a")).toBe(2);
    expect(c.count("b")).toBe(1);
    expect(c.count("c")).toBe(0);
    expect(c.streamNames().sort()).toEqual(["a", "b"]);
  });

  it("forgets an id 30 s after its last heartbeat", () => {
    const { c, advance } = counter();
    c.heartbeat("a", "early", "192.0.2.1");
    advance(20_000);
    c.heartbeat("a", "late", "192.0.2.1");
    c.heartbeat("a", "renewed", "192.0.2.1");
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
    c.heartbeat("a", "x", "192.0.2.1");
    for (let i = 0; i < 10; i++) {
      advance(900);
      c.heartbeat("a", "x", "192.0.2.1");
    }
    expect(c.count("a")).toBe(1);
  });

  it("keeps at most maxIdsPerAddress ids of one address, dropping its least recently seen", () => {
    const { c, advance } = counter({ maxIdsPerAddress: 3 });
    for (const id of ["1", "2", "3"]) {
      c.heartbeat("a", id, "192.0.2.1");
      advance(10);
    }
    c.heartbeat("a", "1", "192.0.2.1"); // 1 is now the most recent
    c.heartbeat("a", "4", "192.0.2.1"); // evicts 2
    expect(c.count("a")).toBe(3);
    advance(29_985);
    c.heartbeat("a", "5", "192.0.2.1"); // evicts 3, now the least recently seen
    expect(c.count("a")).toBe(3);
  });

  it("one address inventing ids cannot push real viewers out or add more than its bound", () => {
    const { c, advance } = counter();
    const real = Array.from({ length: 500 }, (_, i) => [`viewer-${i}-${randomId()}`, `198.51.${i >> 8}.${i & 255}`] as const);
    const household = Array.from({ length: 4 }, () => randomId());
    const beat = () => {
      for (const [id, address] of real) c.heartbeat("show", id, address);
      for (const id of household) c.heartbeat("show", id, "203.0.113.7");
    };
    beat();
    // 20 000 random ids from one address over 2 s, while the real viewers keep their 10 s heartbeats.
    for (let i = 0; i < 20_000; i++) {
      c.heartbeat("show", randomId(), "192.0.2.66");
      if (i % 1000 === 999) advance(100);
      if (i === 9_999) beat();
    }
    expect(c.count("show")).toBe(500 + 4 + c.maxIdsPerAddress);
    expect(c.maxIdsPerAddress).toBe(100);
    // The attacker stops; 30 s later only real viewers (still sending heartbeats) remain.
    advance(10_000);
    beat();
    advance(10_000);
    beat();
    advance(10_000);
    beat();
    expect(c.count("show")).toBe(504);
  });

  it("a full stream loses ids of the address holding the most, never one of a small address", () => {
    const { c, advance } = counter({ maxIdsPerStream: 10, maxIdsPerAddress: 8 });
    for (let i = 0; i < 3; i++) c.heartbeat("a", `real-${i}`, `198.51.100.${i}`);
    advance(10_000);
    // Three addresses inventing ids fill the stream (10) between them.
    for (let i = 0; i < 50; i++) c.heartbeat("a", `big-${i}`, "192.0.2.1");
    for (let i = 0; i < 50; i++) c.heartbeat("a", `two-${i}`, i % 2 ? "192.0.2.2" : "192.0.2.3");
    expect(c.count("a")).toBe(10);
    // 30 s after their last heartbeat the three real viewers expire, so they were still counted until then.
    advance(20_001);
    expect(c.count("a")).toBe(7);
    // A moved id (a player whose address changed) stays one viewer.
    c.heartbeat("a", "two-49", "198.51.100.9");
    expect(c.count("a")).toBe(7);
  });

  it("built-in property names are ordinary stream names", () => {
    const { c } = counter();
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(c.count(name)).toBe(0);
      c.heartbeat(name, "id-1", "192.0.2.1");
      expect(c.count(name)).toBe(1);
    }
    expect(c.streamNames().sort()).toEqual(["__proto__", "constructor", "hasOwnProperty", "toString"]);
  });
});

function randomId(): string {
  return randomBytes(12).toString("base64url");
}
