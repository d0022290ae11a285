import { describe, expect, it } from "vitest";
import { TranscodeSlots } from "../../../ingest/src/transcode/transcode-slots.js";

describe("TranscodeSlots (--max-transcodes)", () => {
  it("grants up to max at once, then queues in order and hands a released slot to the longest waiting", () => {
    const slots = new TranscodeSlots(2);
    const granted: string[] = [];
    const [a, b, c, d] = [{}, {}, {}, {}];
    expect(slots.acquire(a, () => granted.push("a"))).toBe(true);
    expect(slots.acquire(b, () => granted.push("b"))).toBe(true);
    expect(slots.acquire(a, () => granted.push("a again"))).toBe(true);
    expect(slots.acquire(c, () => granted.push("c"))).toBe(false);
    expect(slots.acquire(d, () => granted.push("d"))).toBe(false);
    expect(slots.used).toBe(2);
    slots.release(a);
    expect(granted).toEqual(["c"]);
    // Leaving the queue before a slot frees: never granted.
    slots.release(d);
    slots.release(b);
    expect(granted).toEqual(["c"]);
    expect(slots.used).toBe(1);
  });

  it("with 0 slots every transcoder waits", () => {
    const slots = new TranscodeSlots(0);
    expect(slots.acquire({}, () => {})).toBe(false);
    expect(slots.used).toBe(0);
  });
});
