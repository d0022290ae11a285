import { parseResourceName, type ResourceName } from "../hls/resource-names.js";
import { isValidStreamName } from "../keys/stream-name.js";
import { isRecordingId, parseRecordingFile, type RecordingFile } from "../recording/recording-names.js";
import { RENDITION_NAME_PATTERN } from "../streams/stream-view.js";

export type { ResourceName };

export type Route =
  | { kind: "healthz" }
  | { kind: "metrics" }
  | { kind: "live-root" } // "/live" -> redirect to "/live/"
  | { kind: "preview" }
  | { kind: "player-bundle" } // /live/player.js, the committed assets/live-player.js
  | { kind: "preview-script" } // /live/preview.js, the preview page's own script
  | { kind: "status-all" }
  | { kind: "legacy-playlist"; stream: string }
  // `rendition`: /live/<stream>/<rendition>/index.m3u8 (and its resources); absent: /live/<stream>/index.m3u8.
  | { kind: "playlist"; stream: string; rendition?: string }
  | { kind: "stream-status"; stream: string }
  | { kind: "viewers"; stream: string }
  | { kind: "resource"; stream: string; resource: ResourceName; rendition?: string }
  | { kind: "recordings"; stream: string } // /live/<stream>/recordings.json
  | { kind: "recording"; stream: string; id: string; file: RecordingFile } // /live/<stream>/recordings/<id>/<file>
  | { kind: "auth"; action: "login" | "callback" | "logout" }; // /live/auth/<action>: viewers' sign-in (access/)

// Paths are matched segment by segment against fixed names and the stream-name pattern; nothing is ever
// decoded or joined into a file path. Any character outside this set (%, \, spaces...) means 404.
const allowedPath = /^[A-Za-z0-9._/-]+$/;

/** The route for a raw request path (without query), or null for 404. */
export function parseRoute(pathname: string): Route | null {
  if (!allowedPath.test(pathname)) return null;
  if (pathname === "/healthz") return { kind: "healthz" };
  if (pathname === "/metrics") return { kind: "metrics" };
  if (pathname === "/live") return { kind: "live-root" };
  if (pathname === "/live/") return { kind: "preview" };
  const parts = pathname.split("/");
  if (parts[0] !== "" || parts[1] !== "live") return null;
  if (parts.length === 3) {
    const file = parts[2]!;
    if (file === "status.json") return { kind: "status-all" };
    if (file === "player.js") return { kind: "player-bundle" };
    if (file === "preview.js") return { kind: "preview-script" };
    const legacy = /^(.+)\.m3u8$/.exec(file);
    if (legacy && isValidStreamName(legacy[1]!)) return { kind: "legacy-playlist", stream: legacy[1]! };
    return null;
  }
  if (parts.length === 6 && parts[3] === "recordings") {
    const [, , stream, , id, name] = parts as [string, string, string, string, string, string];
    const file = parseRecordingFile(name);
    if (!isValidStreamName(stream) || !isRecordingId(id) || !file) return null;
    return { kind: "recording", stream, id, file };
  }
  if (parts.length === 5) {
    const [, , stream, rendition, file] = parts as [string, string, string, string, string];
    if (!isValidStreamName(stream) || !RENDITION_NAME_PATTERN.test(rendition)) return null;
    if (file === "index.m3u8") return { kind: "playlist", stream, rendition };
    const resource = parseResourceName(file);
    return resource ? { kind: "resource", stream, resource, rendition } : null;
  }
  if (parts.length !== 4) return null;
  if (parts[2] === "auth") {
    const action = parts[3]!;
    return action === "login" || action === "callback" || action === "logout" ? { kind: "auth", action } : null;
  }
  const stream = parts[2]!;
  const file = parts[3]!;
  if (!isValidStreamName(stream)) return null;
  if (file === "index.m3u8") return { kind: "playlist", stream };
  if (file === "status.json") return { kind: "stream-status", stream };
  if (file === "viewers") return { kind: "viewers", stream };
  if (file === "recordings.json") return { kind: "recordings", stream };
  const resource = parseResourceName(file);
  return resource ? { kind: "resource", stream, resource } : null;
}

/** Splits a raw request target into path and query string (without "?"). */
export function splitTarget(target: string): { pathname: string; search: string } {
  const q = target.indexOf("?");
  return q === -1 ? { pathname: target, search: "" } : { pathname: target.slice(0, q), search: target.slice(q + 1) };
}
