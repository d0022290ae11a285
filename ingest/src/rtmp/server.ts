// Publish-only RTMP server (OBS, ffmpeg, GStreamer). Hand-written: no npm RTMP library is both maintained and
// safe (timeouts, bounded buffers), see docs/architecture.md.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { addressKey } from "../net/address-key.js";
import type { ClaimResult } from "../streams/publish-source.js";
import { resolveRtmpLimits, type RtmpLimits } from "./limits.js";
import type { RtmpPublish } from "./publish.js";
import { RtmpSession, type SessionHost } from "./session.js";

interface RtmpServerOptions {
  /** Interface to bind; default all interfaces. */
  host?: string;
  /** TCP port; 0 picks a free one (see start()). */
  port: number;
  /** RTMP application publishers connect to (the path of the OBS server URL); default "live". */
  app?: string;
  limits?: Partial<RtmpLimits>;
  logger: Logger;
  /** Maps a secret stream key to its public stream name, or null to refuse. Called before Publish.Start. */
  authenticate(key: string): Promise<string | null>;
  /**
   * Decides on each authenticated publish before NetStream.Publish.Start (the hub's claim: one publisher per
   * stream). `wanted()` tells whether the publisher is still connected after a wait.
   */
  onPublish(publish: RtmpPublish, wanted: () => boolean): Promise<ClaimResult>;
}

/** At most one "connection limit reached" line per interval, with the count, so a flood cannot flood the log. */
const REFUSAL_LOG_INTERVAL_MS = 1_000;

export class RtmpServer {
  readonly limits: RtmpLimits;
  private readonly app: string;
  private readonly log: Logger;
  private readonly server: Server;
  private readonly sessions = new Set<RtmpSession>();
  private readonly sockets = new Set<Socket>();
  /** Open connections per addressKey(). */
  private readonly perAddress = new Map<string, number>();
  private readonly host: SessionHost;
  private refused = 0;
  private lastRefusalLog = -Infinity;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: RtmpServerOptions) {
    this.limits = resolveRtmpLimits(options.limits);
    this.app = options.app ?? "live";
    this.log = options.logger.child({ component: "rtmp" });
    this.host = {
      app: this.app,
      limits: this.limits,
      logger: this.log,
      authenticate: (key) => options.authenticate(key),
      claim: (publish, wanted) => this.claim(publish, wanted),
      sessionClosed: (session) => this.sessions.delete(session),
    };
    this.server = createServer((socket) => this.accept(socket));
    this.server.on("error", (err) => this.log.error({ err }, "RTMP listener error"));
  }

  /** Listens; resolves with the bound port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once("error", onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", onError);
        const port = (this.server.address() as AddressInfo).port;
        this.log.info({ host: this.options.host ?? "0.0.0.0", port, app: this.app }, "RTMP server listening");
        resolve(port);
      });
    });
  }

  /** The bound address and port once listening, null before start and after close. */
  get address(): AddressInfo | null {
    return this.server.address() as AddressInfo | null;
  }

  /** Open TCP connections. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Stops listening, ends every session (publishes close with "server closing"), destroys what is left after `timeoutMs`. */
  close(timeoutMs = 2_000): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, timeoutMs);
      timer.unref();
      this.server.close(() => {
        clearTimeout(timer);
        this.log.info("RTMP server closed");
        resolve();
      });
      for (const session of [...this.sessions]) session.close("server closing");
    });
    return this.closing;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.sessions.size >= this.limits.maxConnections) {
      socket.destroy();
      this.refuse({ maxConnections: this.limits.maxConnections }, "connection limit reached, refusing sockets");
      return;
    }
    const address = addressKey(socket.remoteAddress ?? "");
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.maxConnectionsPerAddress) {
      socket.destroy();
      this.refuse(
        { maxConnectionsPerAddress: this.limits.maxConnectionsPerAddress },
        "too many connections from one address, refusing its sockets",
      );
      return;
    }
    this.perAddress.set(address, fromAddress + 1);
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
    this.sessions.add(new RtmpSession(socket, this.host));
  }

  /** Counts a refused socket; logs at most one line per interval, with the count. */
  private refuse(fields: Record<string, number>, message: string): void {
    this.refused++;
    const now = performance.now();
    if (now - this.lastRefusalLog < REFUSAL_LOG_INTERVAL_MS) return;
    this.log.warn({ refused: this.refused, ...fields }, message);
    this.refused = 0;
    this.lastRefusalLog = now;
  }

  private async claim(publish: RtmpPublish, wanted: () => boolean): Promise<ClaimResult> {
    try {
      return await this.options.onPublish(publish, wanted);
    } catch (err) {
      this.log.error({ err, stream: publish.stream }, "onPublish threw; refusing the publish");
      return "busy";
    }
  }
}
