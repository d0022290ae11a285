import type { OutgoingHttpHeaders } from "node:http";
import type { BlockList } from "node:net";
import type { Logger } from "pino";
import type { AccessPolicy, LiveResourceKind } from "../access/access-policy.js";
import { clientAddress } from "./client-address.js";
import type { AuthReply, DiscourseSignIn } from "../access/sign-in.js";
import { send, sendError, sendMedia, type Exchange } from "./exchange.js";
import type { HttpMetrics } from "./metrics.js";
import type { ResourceName, Route } from "./paths.js";
import type { PreviewAssets } from "./preview-assets.js";
import { renderPreviewPage, previewPageCsp } from "./preview-page.js";
import { isNextPart, parsePlaylistQuery } from "./query.js";
import { cacheControl, contentTypes, corsHeaders, preflightHeaders } from "./response-headers.js";
import { sendStaticAsset } from "./static-asset.js";
import { renderMultivariantPlaylist } from "../hls/multivariant-writer.js";
import type { LiveStreamView, MediaPlaylistView, StreamDirectory, StreamStatus, WaitOutcome } from "../streams/stream-view.js";
import type { ViewerCounter } from "./viewer-counter.js";
import type { RecordingLibrary } from "../recording/recording-library.js";
import type { RecordingFile } from "../recording/recording-names.js";
import { sendFile } from "./file-response.js";

type LiveRoute = Exclude<Route, { kind: "healthz" } | { kind: "metrics" }>;

interface LiveRoutesOptions {
  directory: StreamDirectory;
  viewers: ViewerCounter;
  metrics: HttpMetrics;
  allowOrigin: string;
  logger: Logger;
  /** How long a playlist request for a known stream waits for its first part before 503. */
  firstPartWaitMs: number;
  /** Largest heartbeat body accepted. */
  maxHeartbeatBytes: number;
  /** Proxies whose X-Forwarded-For is believed (a heartbeat counts against the viewer's address, not theirs). */
  trustedProxies: BlockList;
  /** The preview page's scripts, read at start. */
  preview: PreviewAssets;
  /** Recordings on disk; absent: every stream has none. */
  recordings?: RecordingLibrary;
  /** Asked before every route except CORS preflights. */
  access: AccessPolicy;
  /** The access mode status JSON reports for a stream (default: every stream public). */
  accessMode?: (stream: string) => StreamStatus["access"];
  /** /live/auth/* (404 without it: --discourse-url not set). */
  signIn?: DiscourseSignIn;
}

/** How long a download request waits for its MP4 to be made before a 503 asking to come back. */
const DOWNLOAD_WAIT_MS = 45_000;

const heartbeatId = /^[A-Za-z0-9_-]{16,64}$/;

/** Everything public, under /live. */
export class LiveRoutes {
  private readonly cors: OutgoingHttpHeaders;

  private readonly credentials: boolean;

  constructor(private readonly options: LiveRoutesOptions) {
    // The browser sends the session cookie only to an exact origin that allows credentials.
    this.credentials = options.signIn !== undefined && options.allowOrigin !== "*";
    this.cors = corsHeaders(options.allowOrigin, this.credentials);
  }

  async handle(ex: Exchange, route: LiveRoute, search: string): Promise<void> {
    const { req } = ex;
    ex.baseHeaders = { ...ex.baseHeaders, ...this.cors };
    const method = req.method ?? "GET";
    const allowed = route.kind === "viewers" ? ["POST", "OPTIONS"] : ["GET", "HEAD", "OPTIONS"];
    if (!allowed.includes(method)) {
      ex.route = routeLabel(route);
      return sendError(ex, 405, "method not allowed", { Allow: allowed.join(", ") });
    }
    if (method === "OPTIONS") {
      ex.route = "preflight";
      return send(ex, 204, preflightHeaders(this.options.allowOrigin, this.credentials));
    }
    ex.route = routeLabel(route);
    const asked = this.options.access({ request: req, ...accessSubject(route) });
    // Awaited only when the policy is asynchronous: the default answers every request of a big audience.
    const decision = asked instanceof Promise ? await asked : asked;
    if (!decision.allow) {
      return send(
        ex,
        decision.status,
        { "Content-Type": contentTypes.json, "Cache-Control": cacheControl.none },
        JSON.stringify(decision.body),
      );
    }
    // A members-only stream's answer: no shared cache may store it.
    ex.cachePrivately = decision.private === true;
    switch (route.kind) {
      case "live-root":
        return send(ex, 308, { Location: "/live/", "Cache-Control": cacheControl.redirect });
      case "legacy-playlist": {
        const location = `/live/${route.stream}/index.m3u8${search ? `?${search}` : ""}`;
        return send(ex, 308, { Location: location, "Cache-Control": cacheControl.redirect });
      }
      case "preview":
        return this.preview(ex);
      case "player-bundle":
        return this.script(ex, this.options.preview.player, "player bundle missing on this server");
      case "preview-script":
        return this.script(ex, this.options.preview.script, "not found");
      case "status-all":
        return this.statusAll(ex);
      case "stream-status":
        return this.streamStatus(ex, route.stream);
      case "playlist":
        return this.playlist(ex, route.stream, search, route.rendition);
      case "resource":
        return this.resource(ex, route.stream, route.resource, route.rendition);
      case "viewers":
        return this.heartbeat(ex, route.stream);
      case "recordings":
        return this.recordingList(ex, route.stream);
      case "recording":
        return this.recording(ex, route.stream, route.id, route.file);
      case "auth":
        return this.auth(ex, route.action, search);
    }
  }

  /** The status JSON of a stream; `playlist` relative to the document it appears in. */
  status(view: LiveStreamView, playlist: string): StreamStatus {
    const core = view.status();
    const recording = this.options.recordings?.warnings(view.name) ?? [];
    const warnings = recording.length > 0 ? [...core.warnings, ...recording] : core.warnings;
    // Rendition playlists sit next to index.m3u8: "<stream>/<name>/index.m3u8" or "<name>/index.m3u8".
    const folder = playlist.slice(0, playlist.length - "index.m3u8".length);
    const renditions = core.renditions.map((r) => ({ ...r, playlist: `${folder}${r.name}/index.m3u8` }));
    return {
      ...core,
      warnings,
      renditions,
      viewers: this.options.viewers.count(view.name),
      playlist,
      access: this.accessOf(view.name),
    };
  }

  private accessOf(stream: string): StreamStatus["access"] {
    return this.options.accessMode?.(stream) ?? "public";
  }

  private auth(ex: Exchange, action: "login" | "callback" | "logout", search: string): void {
    const { signIn } = this.options;
    if (!signIn) return sendError(ex, 404, "sign-in is not set up on this server");
    const cookie = ex.req.headers.cookie;
    const reply: AuthReply =
      action === "login" ? signIn.login(search, cookie) : action === "callback" ? signIn.callback(search, cookie) : signIn.logout(search);
    // The callback URL carries the forum's signed answer: never pass it on as a Referer.
    const headers = { "Cache-Control": cacheControl.none, "Referrer-Policy": "no-referrer", "Set-Cookie": reply.cookies };
    if (reply.kind === "redirect") return send(ex, 302, { ...headers, Location: reply.location });
    sendError(ex, reply.status, reply.message, headers);
  }

  private async preview(ex: Exchange): Promise<void> {
    const streams = this.options.directory.list().map((view) => this.status(view, `${view.name}/index.m3u8`));
    const recordedStreams = (await this.options.recordings?.streams()) ?? [];
    const { player, script } = this.options.preview;
    send(
      ex,
      200,
      { "Content-Type": contentTypes.html, "Cache-Control": cacheControl.page, "Content-Security-Policy": previewPageCsp },
      renderPreviewPage({ playerVersion: player?.version ?? null, scriptVersion: script.version, streams, recordedStreams }),
    );
  }

  private script(ex: Exchange, asset: PreviewAssets["player"], missing: string): void {
    if (!asset) return sendError(ex, 404, missing);
    sendStaticAsset(ex, asset, { "Content-Type": contentTypes.javascript, "Cache-Control": cacheControl.script });
  }

  private statusAll(ex: Exchange): void {
    const streams = this.options.directory.list().map((view) => this.status(view, `${view.name}/index.m3u8`));
    sendJson(ex, { streams });
  }

  // Any valid name answers: a stream the registry does not know is simply offline, so players can
  // poll before the show starts without a stream of 404s.
  private streamStatus(ex: Exchange, stream: string): void {
    const view = this.options.directory.get(stream);
    const status: StreamStatus = view
      ? this.status(view, "index.m3u8")
      : {
          name: stream,
          state: "offline",
          live: false,
          startedAt: null,
          viewers: 0,
          video: null,
          audio: null,
          warnings: [],
          playlist: "index.m3u8",
          access: this.accessOf(stream),
          renditions: [],
        };
    sendJson(ex, status);
  }

  private async playlist(ex: Exchange, stream: string, search: string, rendition: string | undefined): Promise<void> {
    const query = parsePlaylistQuery(search);
    if (!query.ok) return sendError(ex, 400, query.error);
    const streamView = this.options.directory.get(stream);
    if (!streamView) return sendError(ex, 404, "unknown stream");
    if (rendition === undefined && streamView.variants() !== null) return this.multivariant(ex, streamView);
    const view = rendition === undefined ? streamView : streamView.rendition(rendition);
    if (!view) return sendError(ex, 404, "unknown rendition");
    const { msn, part, skip } = query.value;
    const options = skip ? { skip: true } : {};

    let body = view.playlistBytes(options);
    if (body === null) {
      // Starting stream: wait a little for its first part instead of a 404 the player may give up on.
      const next = view.position();
      const outcome = await this.wait(ex, view, next.msn, next.part, this.options.firstPartWaitMs);
      if (outcome === "aborted") return this.aborted(ex);
      body = view.playlistBytes(options);
      if (body === null) return retryLater(ex, "stream has no media yet", 2);
    }
    // RFC 8216bis 6.2.5.2: directives are ignored once the playlist has ended.
    if (msn !== undefined && !view.ended) {
      const now = view.classify(msn, part);
      if (now === "too-far") return sendError(ex, 400, "_HLS_msn/_HLS_part too far ahead of the live edge");
      if (now === "pending") {
        // A server that cannot answer within three target durations should return 503 (6.2.5.2).
        const outcome = await this.wait(ex, view, msn, part, view.blockingTimeoutMs());
        if (outcome === "aborted") return this.aborted(ex);
        if (outcome === "timeout") {
          this.options.logger.debug({ stream, msn, part }, "blocking playlist reload timed out");
          return retryLater(ex, "playlist update not available in time", 1);
        }
        body = view.playlistBytes(options) ?? body;
      }
    }
    const cache = msn !== undefined || skip ? cacheControl.blockingPlaylist : cacheControl.playlist;
    send(ex, 200, { "Content-Type": contentTypes.playlist, "Cache-Control": cache }, body);
  }

  /**
   * index.m3u8 of a stream with renditions: waits, like a media playlist, for the source's first part; every
   * rendition with media, by bandwidth (highest first). Delivery directives do not apply to it.
   */
  private async multivariant(ex: Exchange, view: LiveStreamView): Promise<void> {
    if (view.playlistBytes({}) === null) {
      const next = view.position();
      const outcome = await this.wait(ex, view, next.msn, next.part, this.options.firstPartWaitMs);
      if (outcome === "aborted") return this.aborted(ex);
      if (view.playlistBytes({}) === null) return retryLater(ex, "stream has no media yet", 2);
    }
    const entries = (view.variants() ?? []).map((v) => ({ ...v, uri: `${v.name}/index.m3u8` }));
    send(ex, 200, { "Content-Type": contentTypes.playlist, "Cache-Control": cacheControl.playlist }, renderMultivariantPlaylist(entries));
  }

  private async resource(ex: Exchange, stream: string, resource: ResourceName, rendition: string | undefined): Promise<void> {
    const streamView = this.options.directory.get(stream);
    if (!streamView) return sendError(ex, 404, "unknown stream");
    const view = rendition === undefined ? streamView : streamView.rendition(rendition);
    if (!view) return sendError(ex, 404, "unknown rendition");
    const headers = { "Content-Type": contentTypes.media, "Cache-Control": cacheControl.media };
    if (resource.kind === "init") return this.sendOr404(ex, view.getInit(resource.id), headers);
    if (resource.kind === "segment") return this.sendOr404(ex, view.getSegment(resource.msn), headers);

    const { msn, part } = resource;
    let bytes = view.getPart(msn, part);
    if (!bytes && !view.ended && isNextPart(msn, part, view.position())) {
      // The preload-hinted part: held until it is complete. If a keyframe started a new segment
      // instead, the wait ends too and the part never existed (404).
      const outcome = await this.wait(ex, view, msn, part, view.blockingTimeoutMs());
      if (outcome === "aborted") return this.aborted(ex);
      bytes = view.getPart(msn, part);
      if (!bytes && outcome === "timeout") return retryLater(ex, "part not available in time", 1);
    }
    return this.sendOr404(ex, bytes, headers);
  }

  private sendOr404(ex: Exchange, bytes: Uint8Array | undefined, headers: Record<string, string>): void {
    if (!bytes) return sendError(ex, 404, "not found");
    sendMedia(ex, bytes, headers);
  }

  // Newest first; URLs relative to this document. The show being recorded has `live: true` and no endedAt
  // (and no download yet: the MP4 is made once the recording has ended).
  private async recordingList(ex: Exchange, stream: string): Promise<void> {
    const list = (await this.options.recordings?.list(stream)) ?? [];
    const recordings = list.map((r) => ({
      id: r.id,
      startedAt: r.startedAt,
      ...(r.endedAt !== null ? { endedAt: r.endedAt } : { live: true }),
      durationS: r.durationS,
      bytes: r.bytes,
      playlist: `recordings/${r.id}/index.m3u8`,
      ...(r.endedAt !== null ? { download: `recordings/${r.id}/recording.mp4` } : {}),
    }));
    sendJson(ex, { recordings });
  }

  private async recording(ex: Exchange, stream: string, id: string, file: RecordingFile): Promise<void> {
    const library = this.options.recordings;
    if (!library) return sendError(ex, 404, "not found");
    if (file.kind === "playlist") {
      const playlist = await library.playlist(stream, id);
      if (!playlist) return sendError(ex, 404, "unknown recording");
      const cache = playlist.ended ? cacheControl.endedPlaylist : cacheControl.playlist;
      return send(ex, 200, { "Content-Type": contentTypes.playlist, "Cache-Control": cache }, playlist.text);
    }
    if (file.kind === "media") {
      const path = await library.mediaFile(stream, id, file.name);
      if (!path) return sendError(ex, 404, "not found");
      return sendFile(ex, path, { "Content-Type": contentTypes.media, "Cache-Control": cacheControl.media });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), DOWNLOAD_WAIT_MS);
    });
    let result;
    try {
      result = await Promise.race([library.download(stream, id), timeout]);
    } catch (error) {
      this.options.logger.error({ err: error, stream, recording: id }, "making the MP4 download failed");
      return sendError(ex, 500, "the MP4 could not be made; see the ingest log");
    } finally {
      clearTimeout(timer);
    }
    if (result === "timeout") return sendError(ex, 503, "the MP4 is being prepared; try again in a minute", { "Retry-After": "30" });
    switch (result.kind) {
      case "not-found":
        return sendError(ex, 404, "unknown recording");
      case "in-progress":
        return sendError(ex, 409, "this show is still being recorded; the download is available once it has ended");
      case "no-ffmpeg":
        return sendError(ex, 503, result.message);
      case "file":
        return sendFile(ex, result.path, {
          "Content-Type": contentTypes.media,
          "Cache-Control": cacheControl.media,
          "Content-Disposition": `attachment; filename="${stream}-${id}.mp4"`,
        });
    }
  }

  private async heartbeat(ex: Exchange, stream: string): Promise<void> {
    const { req } = ex;
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    // text/plain too: navigator.sendBeacon sends strings as text/plain, which needs no CORS preflight.
    if (type !== "application/json" && type !== "text/plain") {
      return sendError(ex, 415, "expected a JSON body");
    }
    const body = await readSmallBody(ex, this.options.maxHeartbeatBytes);
    if (body === "aborted") return;
    if (body === "too-large") return sendError(ex, 413, "body too large", { Connection: "close" });
    const id = parseHeartbeat(body);
    if (id === undefined) return sendError(ex, 400, 'expected {"id": "<16-64 characters [A-Za-z0-9_-]>"}');
    if (!this.options.directory.get(stream)) return sendError(ex, 404, "unknown stream");
    this.options.viewers.heartbeat(stream, id, clientAddress(ex.req, this.options.trustedProxies));
    send(ex, 204, { "Cache-Control": cacheControl.none });
  }

  private async wait(
    ex: Exchange,
    view: MediaPlaylistView,
    msn: number,
    part: number | undefined,
    timeoutMs: number,
  ): Promise<WaitOutcome | "aborted"> {
    this.options.metrics.held.inc();
    try {
      const outcome = await view.waitFor(msn, part, timeoutMs, ex.signal);
      return ex.signal.aborted ? "aborted" : outcome;
    } finally {
      this.options.metrics.held.dec();
    }
  }

  // The client left (nothing to answer) or the server is closing (tell the client to come back).
  private aborted(ex: Exchange): void {
    if (ex.res.destroyed || ex.req.destroyed) return;
    sendError(ex, 503, "server shutting down", { "Retry-After": "1", Connection: "close" });
  }
}

function routeLabel(route: LiveRoute): Exchange["route"] {
  switch (route.kind) {
    case "live-root":
    case "legacy-playlist":
      return "redirect";
    case "preview":
      return "preview";
    case "player-bundle":
      return "player_js";
    case "preview-script":
      return "preview_js";
    case "status-all":
      return "status_all";
    case "stream-status":
      return "status";
    case "playlist":
      return "playlist";
    case "viewers":
      return "viewers";
    case "auth":
      return "auth";
    case "resource":
      return route.resource.kind;
    case "recordings":
      return "recordings";
    case "recording":
      return route.file.kind === "playlist"
        ? "recording_playlist"
        : route.file.kind === "download"
          ? "recording_download"
          : "recording_media";
  }
}

/**
 * 503 for a held request that ended without its update (RFC 8216bis 6.2.5.2), cacheable until the
 * client should retry: a cache in front then answers every viewer waiting on the same URL from one
 * origin request per hold instead of passing each of them through.
 */
function retryLater(ex: Exchange, message: string, retryAfterS: number): void {
  sendError(ex, 503, message, { "Retry-After": String(retryAfterS), "Cache-Control": cacheControl.retryLater(retryAfterS) });
}

/** What the access policy is asked about for a route. */
function accessSubject(route: LiveRoute): { stream: string | null; resource: LiveResourceKind } {
  switch (route.kind) {
    case "live-root":
    case "preview":
      return { stream: null, resource: "preview" };
    case "player-bundle":
    case "preview-script":
      return { stream: null, resource: "script" };
    case "status-all":
      return { stream: null, resource: "status" };
    case "stream-status":
      return { stream: route.stream, resource: "status" };
    case "legacy-playlist":
    case "playlist":
      return { stream: route.stream, resource: "playlist" };
    case "viewers":
      return { stream: route.stream, resource: "viewers" };
    case "recordings":
      return { stream: route.stream, resource: "recordings" };
    case "recording":
      return { stream: route.stream, resource: "recording" };
    case "resource":
      return { stream: route.stream, resource: route.resource.kind };
    case "auth":
      return { stream: null, resource: "auth" };
  }
}

function sendJson(ex: Exchange, value: unknown): void {
  send(ex, 200, { "Content-Type": contentTypes.json, "Cache-Control": cacheControl.status }, JSON.stringify(value));
}

/** The heartbeat id, or undefined unless the body is exactly {"id": "<16-64 chars>"}. */
export function parseHeartbeat(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const id = (value as { id?: unknown }).id;
  if (keys.length !== 1 || typeof id !== "string" || !heartbeatId.test(id)) return undefined;
  return id;
}

function readSmallBody(ex: Exchange, limit: number): Promise<string | "too-large" | "aborted"> {
  const { req } = ex;
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.resolve("too-large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: string | "too-large" | "aborted") => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      ex.signal.removeEventListener("abort", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return done("too-large");
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks).toString("utf8"));
    const onError = () => done("aborted");
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    ex.signal.addEventListener("abort", onError, { once: true });
  });
}
