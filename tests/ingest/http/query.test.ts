import { describe, expect, it } from "vitest";
import { isNextPart, parsePlaylistQuery } from "../../../ingest/src/http/query.js";

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

describe("isNextPart", () => {
  it.each<[number, number, { msn: number; part: number }, boolean]>([
    [10, 3, { msn: 10, part: 3 }, true],
    [11, 0, { msn: 10, part: 3 }, true], // a keyframe may start segment 11 instead
    [10, 2, { msn: 10, part: 3 }, false],
    [10, 4, { msn: 10, part: 3 }, false],
    [11, 1, { msn: 10, part: 3 }, false],
    [9, 0, { msn: 10, part: 3 }, false],
    [10, 0, { msn: 10, part: 0 }, true],
    [11, 0, { msn: 10, part: 0 }, false], // no open segment: 10.0 comes first
  ])("msn %s part %s with next %j -> %s", (msn, part, next, expected) => {
    expect(isNextPart(msn, part, next)).toBe(expected);
  });
});
