// What the HTTP server parses from a request: the target (path + query), stream and resource names,
// LL-HLS directives and the heartbeat body. Properties: no throw, a matched route only names valid streams
// and canonical resource names found literally in the path, directives are safe non-negative integers.
import type * as LiveRoutes from "../../../ingest/src/http/live-routes.js";
import type * as Paths from "../../../ingest/src/http/paths.js";
import type * as Query from "../../../ingest/src/http/query.js";
import type * as ResourceNames from "../../../ingest/src/hls/resource-names.js";
import type * as StreamName from "../../../ingest/src/keys/stream-name.js";
import { formatResourceName } from "../../ingest/hls/format-resource-name.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";

export async function load(root: string): Promise<FuzzTarget> {
  const { parseRoute, splitTarget } = await importFrom<typeof Paths>(root, "http/paths");
  const { parsePlaylistQuery, isNextPart } = await importFrom<typeof Query>(root, "http/query");
  const { parseResourceName } = await importFrom<typeof ResourceNames>(root, "hls/resource-names");
  const { isValidStreamName } = await importFrom<typeof StreamName>(root, "keys/stream-name");
  const { parseHeartbeat } = await importFrom<typeof LiveRoutes>(root, "http/live-routes");
  const seeds = [
    "/live/show/index.m3u8?_HLS_msn=12&_HLS_part=3",
    "/live/show/index.m3u8?_HLS_msn=12&_HLS_part=3&_HLS_skip=YES",
    "/live/show/index.m3u8?_HLS_skip=v2",
    "/live/show/part-12-3.m4s",
    "/live/show/seg-0.m4s",
    "/live/show/init-1.mp4",
    "/live/show/status.json",
    "/live/status.json",
    "/live/show.m3u8?x=1",
    "/live/show/viewers",
    "/live/",
    "/healthz",
    "/metrics",
    "/live/../etc/passwd",
    "/live/show/%2e%2e/keys.json",
    '{"id":"0123456789abcdefXYZ_-"}',
  ];
  return {
    files: ["http/paths.ts", "http/query.ts", "hls/resource-names.ts", "keys/stream-name.ts"],
    seeds: ascii(...seeds),
    dictionary: ascii(
      "/live/",
      "/",
      "?",
      "&",
      "=",
      "index.m3u8",
      "status.json",
      "viewers",
      ".m3u8",
      "part-",
      "seg-",
      "init-",
      ".m4s",
      ".mp4",
      "-",
      "_HLS_msn=",
      "_HLS_part=",
      "_HLS_skip=",
      "YES",
      "v2",
      "%2e",
      "..",
      "%00",
      "+",
      "0",
      "999999999999999",
      "9999999999999999",
      '{"id":"',
      '"}',
      "\\u0000",
      "__proto__",
    ),
    maxLength: 512,
    run(data) {
      const target = data.toString("latin1");
      const { pathname, search } = splitTarget(target);
      check(target === (target.includes("?") ? `${pathname}?${search}` : pathname), "splitTarget lost bytes");

      const route = parseRoute(pathname);
      if (route) {
        check(/^[A-Za-z0-9._/-]+$/.test(pathname), `routed a path with other characters: ${JSON.stringify(pathname)}`);
        check(!pathname.split("/").includes(".."), `routed a path with "..": ${JSON.stringify(pathname)}`);
        if ("stream" in route) {
          check(isValidStreamName(route.stream), `routed an invalid stream name ${JSON.stringify(route.stream)}`);
          check(pathname.startsWith(`/live/${route.stream}`), "stream name not taken from the path");
        }
        if (route.kind === "resource") {
          check(pathname.endsWith(`/${formatResourceName(route.resource)}`), "resource name is not canonical");
        }
      }
      for (const segment of pathname.split("/")) {
        const resource = parseResourceName(segment);
        if (!resource) continue;
        check(formatResourceName(resource) === segment, `non-canonical resource name accepted: ${JSON.stringify(segment)}`);
        const numbers =
          resource.kind === "init" ? [resource.id] : resource.kind === "segment" ? [resource.msn] : [resource.msn, resource.part];
        check(
          numbers.every((n) => Number.isSafeInteger(n) && n >= 0),
          "resource number not a safe non-negative integer",
        );
      }

      const query = parsePlaylistQuery(search);
      if (query.ok) {
        const { msn, part, skip } = query.value;
        for (const n of [msn, part]) check(n === undefined || (Number.isSafeInteger(n) && n >= 0), `directive ${n} not a safe integer`);
        check(part === undefined || msn !== undefined, "_HLS_part without _HLS_msn accepted");
        check(skip === undefined || skip === "YES" || skip === "v2", `_HLS_skip=${skip} accepted`);
        const params = new URLSearchParams(search);
        check(msn === undefined || params.get("_HLS_msn") === String(msn), "_HLS_msn value differs from the query");
        if (msn !== undefined) isNextPart(msn, part ?? 0, { msn: 5, part: 2 });
      } else {
        check(typeof query.error === "string" && query.error.length > 0, "query error without a message");
      }

      const id = parseHeartbeat(data.toString("utf8"));
      check(id === undefined || /^[A-Za-z0-9_-]{16,64}$/.test(id), `heartbeat id ${JSON.stringify(id)} accepted`);
    },
  };
}
