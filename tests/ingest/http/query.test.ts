import { describe, expect, it } from "vitest";
import { advancePartLimit, isNextPart, parsePlaylistQuery, readiness } from "../../../ingest/src/http/query.js";
import type { MediaState } from "../../../ingest/src/http/stream-directory.js";

describe("parsePlaylistQuery", () => {
  it.each<[string, object]>([
    ["", {}],
    ["_HLS_msn=0", { msn: 0 }],
    ["_HLS_msn=12&_HLS_part=3", { msn: 12, part: 3 }],
    ["_HLS_part=3&_HLS_msn=12", { msn: 12, part: 3 }],
    ["_HLS_msn=12&_HLS_part=0&_HLS_skip=YES", { msn: 12, part: 0, skip: "YES" }],
    ["_HLS_skip=v2", { skip: "v2" }],
    ["t=123&_HLS_msn=5", { msn: 5 }],
    ["_HLS_push=1&_HLS_msn=5", { msn: 5 }],
    ["_HLS_msn=999999999999999", { msn: 999999999999999 }],
  ])("accepts %j", (search, value) => {
    expect(parsePlaylistQuery(search)).toEqual({ ok: true, value });
  });

  it.each<[string, RegExp]>([
    ["_HLS_msn=", /_HLS_msn must be a decimal integer/],
    ["_HLS_msn=-1", /_HLS_msn/],
    ["_HLS_msn=+1", /_HLS_msn/],
    ["_HLS_msn=01", /_HLS_msn/],
    ["_HLS_msn=1.0", /_HLS_msn/],
    ["_HLS_msn=1e3", /_HLS_msn/],
    ["_HLS_msn=%201", /_HLS_msn/],
    ["_HLS_msn=0x10", /_HLS_msn/],
    ["_HLS_msn=1000000000000000", /_HLS_msn/],
    ["_HLS_msn=1&_HLS_msn=2", /more than once/],
    ["_HLS_msn=1&_HLS_part=x", /_HLS_part must be a decimal integer/],
    ["_HLS_msn=1&_HLS_part=-1", /_HLS_part/],
    ["_HLS_part=1", /_HLS_part requires _HLS_msn/],
    ["_HLS_skip=yes", /_HLS_skip must be YES or v2/],
    ["_HLS_skip=NO", /_HLS_skip/],
    ["_HLS_skip=", /_HLS_skip/],
    ["_HLS_skip=YES&_HLS_skip=YES", /more than once/],
  ])("rejects %j", (search, error) => {
    const result = parsePlaylistQuery(search);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});

describe("advancePartLimit", () => {
  it.each([
    [0.25, 12],
    [0.2, 15],
    [0.333, 9],
    [1, 3],
    [2, 3],
  ])("part target %s s -> %s parts", (target, limit) => {
    expect(advancePartLimit(target)).toBe(limit);
  });
});

describe("readiness", () => {
  // Segment 10 is being cut and has parts 0..2; parts are 250 ms, so a client may ask 12 parts ahead.
  const live: MediaState = { lastMsn: 10, lastPart: 2, ended: false, targetDurationS: 2, partTargetS: 0.25 };

  it.each<[number, number | undefined, string]>([
    [3, undefined, "ready"],
    [9, undefined, "ready"],
    [10, undefined, "pending"],
    [11, undefined, "pending"],
    [12, undefined, "pending"],
    [13, undefined, "too-far"],
    [9, 0, "ready"],
    [9, 7, "ready"], // past the end of segment 9: means part 0 of segment 10, which exists
    [9, 50, "ready"],
    [10, 0, "ready"],
    [10, 2, "ready"],
    [10, 3, "pending"],
    [10, 14, "pending"], // 12 ahead
    [10, 15, "too-far"], // 13 ahead
    [11, 0, "pending"],
    [11, 11, "pending"], // at least 12 ahead
    [11, 12, "too-far"],
    [12, 0, "pending"],
    [12, 10, "pending"],
    [12, 11, "too-far"],
    [13, 0, "too-far"],
  ])("msn %s part %s -> %s", (msn, part, expected) => {
    expect(readiness(msn, part, live)).toBe(expected);
  });

  it("uses a limit of 3 parts for part targets of a second or more", () => {
    const slow = { ...live, partTargetS: 1 };
    expect(readiness(10, 5, slow)).toBe("pending");
    expect(readiness(10, 6, slow)).toBe("too-far");
  });

  it("ignores directives once the playlist has ended", () => {
    const ended = { ...live, ended: true };
    expect(readiness(10, 3, ended)).toBe("ready");
    expect(readiness(500, 0, ended)).toBe("ready");
  });
});

describe("isNextPart", () => {
  const live: MediaState = { lastMsn: 10, lastPart: 2, ended: false, targetDurationS: 2, partTargetS: 0.25 };
  it.each<[number, number, boolean]>([
    [10, 3, true],
    [11, 0, true],
    [10, 2, false],
    [10, 4, false],
    [11, 1, false],
    [9, 0, false],
  ])("msn %s part %s -> %s", (msn, part, expected) => {
    expect(isNextPart(msn, part, live)).toBe(expected);
    expect(isNextPart(msn, part, { ...live, ended: true })).toBe(false);
  });
});
