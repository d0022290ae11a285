import { describe, expect, it } from "vitest";
import { parseRoute, splitTarget } from "../../../ingest/src/http/paths.js";

describe("parseRoute", () => {
  it.each<[string, object]>([
    ["/healthz", { kind: "healthz" }],
    ["/metrics", { kind: "metrics" }],
    ["/live", { kind: "live-root" }],
    ["/live/", { kind: "preview" }],
    ["/live/status.json", { kind: "status-all" }],
    ["/live/player.js", { kind: "player-bundle" }],
    ["/live/preview.js", { kind: "preview-script" }],
    ["/live/show1.m3u8", { kind: "legacy-playlist", stream: "show1" }],
    ["/live/show1/index.m3u8", { kind: "playlist", stream: "show1" }],
    ["/live/show1/status.json", { kind: "stream-status", stream: "show1" }],
    ["/live/show1/viewers", { kind: "viewers", stream: "show1" }],
    ["/live/Show_1-a/init-0.mp4", { kind: "resource", stream: "Show_1-a", resource: { kind: "init", id: 0 } }],
    ["/live/s/seg-12.m4s", { kind: "resource", stream: "s", resource: { kind: "segment", msn: 12 } }],
    ["/live/s/part-12-3.m4s", { kind: "resource", stream: "s", resource: { kind: "part", msn: 12, part: 3 } }],
    ["/live/s/source/index.m3u8", { kind: "playlist", stream: "s", rendition: "source" }],
    ["/live/s/480p/index.m3u8", { kind: "playlist", stream: "s", rendition: "480p" }],
    ["/live/s/240p/part-12-3.m4s", { kind: "resource", stream: "s", rendition: "240p", resource: { kind: "part", msn: 12, part: 3 } }],
    ["/live/s/1080p/init-5.mp4", { kind: "resource", stream: "s", rendition: "1080p", resource: { kind: "init", id: 5 } }],
    ["/live/auth/login", { kind: "auth", action: "login" }],
    ["/live/auth/callback", { kind: "auth", action: "callback" }],
    ["/live/auth/logout", { kind: "auth", action: "logout" }],
  ])("%s", (path, route) => {
    expect(parseRoute(path)).toEqual(route);
  });

  it.each([
    "/",
    "",
    "/live//",
    "/live/show1",
    "/live/show1/",
    "/live//show1/index.m3u8",
    "/live/show1//index.m3u8",
    "/live/../live/show1/index.m3u8",
    "/live/show1/../status.json",
    "/live/./show1/index.m3u8",
    "/live/show1/./index.m3u8",
    "/live/%2e%2e/etc/passwd",
    "/live/show1/%2e%2e%2fkeys.json",
    "/live/show1/..%2f..%2fkeys.json",
    "/live/show1%2Findex.m3u8",
    "/live\\show1\\index.m3u8",
    "/live/show1\\..\\index.m3u8",
    "/live/..",
    "/live/.m3u8",
    "/live/-bad/index.m3u8",
    "/live/a.b/index.m3u8",
    `/live/${"x".repeat(65)}/index.m3u8`,
    "/live/show1/index.m3u8/extra",
    "/live/show1/keys.json",
    "/live/show1/part-01-0.m4s",
    "/live/show1/seg-1.mp4",
    "/LIVE/show1/index.m3u8",
    "/data/keys.json",
    "/live/show1/player.js",
    "/live/assets/live-player.js",
    "/live/preview-script.js",
    "//live/show1/index.m3u8",
    "http://evil/live/show1/index.m3u8",
    "/live/show1/index.m3u8 ",
    "/live/show1/hd/index.m3u8",
    "/live/show1/480P/index.m3u8",
    "/live/show1/0480p/seg-1.m4s",
    "/live/show1/480p/status.json",
    "/live/show1/480p/keys.json",
    "/live/-x/480p/index.m3u8",
  ])("404 for %j", (path) => {
    expect(parseRoute(path)).toBeNull();
  });
});

describe("splitTarget", () => {
  it.each([
    ["/live/a/index.m3u8", "/live/a/index.m3u8", ""],
    ["/live/a/index.m3u8?_HLS_msn=1&x=?", "/live/a/index.m3u8", "_HLS_msn=1&x=?"],
    ["/x?", "/x", ""],
  ])("%s", (target, pathname, search) => {
    expect(splitTarget(target)).toEqual({ pathname, search });
  });
});
