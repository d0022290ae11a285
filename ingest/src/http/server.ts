import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "pino";
import type { DiscourseSignIn } from "../access/sign-in.js";
import { collectDefaultMetrics, Registry } from "prom-client";
import { allowEveryone, type AccessPolicy } from "../access/access-policy.js";
import { sendError, type Exchange } from "./exchange.js";
import { LiveRoutes } from "./live-routes.js";
import { HttpMetrics } from "./metrics.js";
import { handleHealthz, handleMetrics } from "./ops-routes.js";
import { parseRoute, splitTarget } from "./paths.js";
import { defaultPlayerBundle, loadPreviewAssets } from "./preview-assets.js";
import { commonHeaders } from "./response-headers.js";
import type { StreamDirectory, StreamStatus } from "../streams/stream-view.js";
import { LOOPBACK_PROXIES, trustedProxies } from "./client-address.js";
import { ViewerCounter } from "./viewer-counter.js";
import type { RecordingLibrary } from "../recording/recording-library.js";

export interface HttpTimeouts {
  /** Whole request head must arrive within this (slowloris guard). */
  headersMs: number;
  /** Whole request (head and body) must arrive within this; held responses are not limited by it. */
  requestMs: number;
  /**
   * Idle keep-alive sockets are closed after this. Longer than the idle timeout of the proxy in front
   * (Traefik keeps idle backend connections 90 s), so the proxy never reuses a socket we are closing.
   */
  keepAliveMs: number;
  /**
   * A connection with no I/O for this long is destroyed: a client that stops reading its response (or never
   * sends a request) would otherwise hold its socket and the bytes queued to it forever. Longer than any held
   * request (a blocking reload or part waits at most 30 s, the packager's maxWaitMs), which is silent too.
   */
  idleMs: number;
  /** After close() starts, connections still open after this are cut. */
  closeGraceMs: number;
}

const closingHeaders = { ...commonHeaders, Connection: "close" };

/** Pending connections the kernel queues before accept (capped by net.core.somaxconn). */
const LISTEN_BACKLOG = 4096;

/** Reason of every request abort: one shared object, so ending a request builds no DOMException and stack. */
const REQUEST_ENDED = new Error("request ended");

/**
 * A request's abort signal, created only when a handler asks for it (held requests, bodies): most
 * requests are answered at once, and an AbortController per request cost ~10 % of the CPU at 2000 viewers.
 */
class RequestLifetime {
  private controller: AbortController | undefined;
  private ended = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(REQUEST_ENDED);
    }
    return this.controller.signal;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.controller?.abort(REQUEST_ENDED);
  }
}

// Not flags: each is set by what it guards (see HttpTimeouts) and by the proxy in front, not by the show.
const defaultHttpTimeouts: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 95_000,
  idleMs: 60_000,
  closeGraceMs: 2_000,
};

export interface HttpServerOptions {
  host: string;
  port: number;
  allowOrigin: string;
  logger: Logger;
  directory: StreamDirectory;
  /** Owned by the server unless given; its counts appear as `viewers` in the status JSON. */
  viewers?: ViewerCounter;
  /** Proxies whose X-Forwarded-For names a viewer's address (addresses or CIDR blocks). Default loopback. */
  trustedProxies?: readonly string[];
  /** Registry /metrics serves; pass the app's to add RTMP and stream metrics. Default: a new one with process metrics. */
  metricsRegistry?: Registry;
  timeouts?: Partial<HttpTimeouts>;
  /** How long a playlist request for a known stream waits for its first part. Default 6000. */
  firstPartWaitMs?: number;
  /** The player bundle /live/player.js serves (read once, here). Default: the repository's assets/live-player.js. */
  playerBundle?: URL;
  /** Recordings served under /live/<stream>/recordings... (absent: none). */
  recordings?: RecordingLibrary;
  /** Asked before every /live route (CORS preflights excepted). Default: allowEveryone. */
  access?: AccessPolicy;
  /** The access mode status JSON reports for a stream (members-only streams). */
  accessMode?: (stream: string) => StreamStatus["access"];
  /** /live/auth/login|callback|logout (DiscourseConnect). */
  signIn?: DiscourseSignIn;
}

/** HTTP origin: /live (playlists, media, status, viewers, preview page and its scripts), /healthz and /metrics. */
export class HttpServer {
  readonly viewers: ViewerCounter;
  readonly metricsRegistry: Registry;
  private readonly logger: Logger;
  private readonly timeouts: HttpTimeouts;
  private readonly metrics: HttpMetrics;
  private readonly live: LiveRoutes;
  private readonly open = new Set<RequestLifetime>();
  private closing = false;
  private server: Server | undefined;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.logger = options.logger.child({ component: "http" });
    this.timeouts = { ...defaultHttpTimeouts, ...options.timeouts };
    this.viewers = options.viewers ?? new ViewerCounter();
    if (options.metricsRegistry) {
      this.metricsRegistry = options.metricsRegistry;
    } else {
      this.metricsRegistry = new Registry();
      collectDefaultMetrics({ register: this.metricsRegistry });
    }
    this.metrics = new HttpMetrics(this.metricsRegistry, options.directory, this.viewers);
    this.live = new LiveRoutes({
      directory: options.directory,
      viewers: this.viewers,
      metrics: this.metrics,
      allowOrigin: options.allowOrigin,
      logger: this.logger,
      // Not a flag: covers a publisher's first part (its first keyframe may be a keyframe interval away) with room for a slow start.
      firstPartWaitMs: options.firstPartWaitMs ?? 6_000,
      // {"id": "<64 chars>"} is 75 bytes; more is not a heartbeat.
      maxHeartbeatBytes: 256,
      trustedProxies: trustedProxies(options.trustedProxies ?? LOOPBACK_PROXIES),
      preview: loadPreviewAssets(options.playerBundle ?? defaultPlayerBundle, this.logger),
      ...(options.recordings ? { recordings: options.recordings } : {}),
      access: options.access ?? allowEveryone,
      ...(options.accessMode ? { accessMode: options.accessMode } : {}),
      ...(options.signIn ? { signIn: options.signIn } : {}),
    });
  }

  /** Listens and resolves with the bound port. */
  async start(): Promise<number> {
    if (this.server) throw new Error("HttpServer already started");
    const server = createServer(
      {
        headersTimeout: this.timeouts.headersMs,
        requestTimeout: this.timeouts.requestMs,
        keepAliveTimeout: this.timeouts.keepAliveMs,
      },
      (req, res) => void this.handle(req, res),
    );
    this.server = server;
    // Applies from accept to the end of each response (keepAliveMs takes over between requests).
    server.setTimeout(this.timeouts.idleMs);
    server.on("connection", (socket: Socket) => {
      this.metrics.connections.inc();
      socket.once("close", () => this.metrics.connections.dec());
    });
    server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
      this.logger.debug({ err: error.code ?? error.message }, "client error");
      // Destroyed once the answer is flushed: a client that never closes its side (half-open) would otherwise
      // keep the socket open (the headers timeout of an idle connection ends up here).
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", () => socket.destroy());
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // Node's default backlog (511) overflows when a few thousand viewers (re)connect at once; the
      // kernel then drops their SYNs and they retry after 1, 3, 7 s. The kernel caps it at somaxconn.
      server.listen({ port: this.options.port, host: this.options.host, backlog: LISTEN_BACKLOG }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    this.logger.info({ host: this.options.host, port }, "http listening");
    return port;
  }

  /** The bound address and port once listening, null before start and after close. */
  get address(): AddressInfo | null {
    return (this.server?.address() as AddressInfo | null | undefined) ?? null;
  }

  /** Stops accepting, answers held requests with 503, closes idle keep-alive sockets, cuts the rest after closeGraceMs. */
  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.closed ??= new Promise<void>((resolve) => {
      this.closing = true;
      for (const request of this.open) request.end();
      const cut = setTimeout(() => server.closeAllConnections(), this.timeouts.closeGraceMs);
      server.close(() => {
        clearTimeout(cut);
        this.logger.info("http closed");
        resolve();
      });
      server.closeIdleConnections();
    });
    return this.closed;
  }

  /** The status JSON of one stream as /live/<stream>/status.json serves it, or undefined if unknown. */
  status(stream: string): StreamStatus | undefined {
    const view = this.options.directory.get(stream);
    return view ? this.live.status(view, "index.m3u8") : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Ended when the response is done or the client left, and by close() for every open request.
    const lifetime = new RequestLifetime();
    this.open.add(lifetime);
    const ex: Exchange = {
      req,
      res,
      route: "not_found",
      bytes: 0,
      get signal() {
        return lifetime.signal;
      },
      baseHeaders: this.closing ? closingHeaders : commonHeaders,
    };
    res.once("close", () => {
      this.open.delete(lifetime);
      lifetime.end();
      if (res.writableFinished) this.metrics.record(ex.route, res.statusCode, ex.bytes);
    });
    if (this.closing) lifetime.end();
    try {
      const { pathname, search } = splitTarget(req.url ?? "/");
      const route = parseRoute(pathname);
      if (!route) return sendError(ex, 404, "not found");
      if (route.kind === "healthz") return handleHealthz(ex);
      if (route.kind === "metrics") return await handleMetrics(ex, this.metricsRegistry);
      await this.live.handle(ex, route, search);
    } catch (error) {
      this.logger.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) sendError(ex, 500, "internal error");
      else res.destroy();
    }
  }
}
