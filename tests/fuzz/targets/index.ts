// Fuzz targets by name (each module exports load(root) -> FuzzTarget).
import type { FuzzTargetModule } from "../engine/target.js";

export const targetModules: Record<string, () => Promise<FuzzTargetModule>> = {
  "rtmp-session": () => import("./rtmp-session.js"),
  "chunk-reader": () => import("./chunk-reader.js"),
  amf0: () => import("./amf0.js"),
  messages: () => import("./messages.js"),
  handshake: () => import("./handshake.js"),
  "mp4-stream": () => import("./mp4-stream.js"),
  "mp4-init": () => import("./mp4-init.js"),
  "mp4-fragment": () => import("./mp4-fragment.js"),
  packager: () => import("./packager.js"),
  "mp4-muxer": () => import("./mp4-muxer.js"),
  "codec-config": () => import("./codec-config.js"),
  "http-request": () => import("./http-request.js"),
  "recording-index": () => import("./recording-index.js"),
  "access-payload": () => import("./access-payload.js"),
  "flv-stream": () => import("./flv-stream.js"),
};
