// One RTMP connection: handshake -> connect -> createStream -> publish -> media, with its timeouts and limits.
import { createHash, randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { Amf0EcmaArray, amf0Properties, encodeAmf0, type Amf0Object, type Amf0Value } from "./amf0.js";
import { ChunkReader } from "./chunk-reader.js";
import { ChunkWriter } from "./chunk-writer.js";
import {
  connectRejectedMessage,
  connectResultMessage,
  createStreamResultMessage,
  onFCPublishMessage,
  onStatusMessage,
  parseCommand,
  parseDataMessage,
  resultMessage,
  type RtmpCommand,
} from "./commands.js";
import { unsupportedCodec, type FlvTag } from "./flv.js";
import { HANDSHAKE_SIZE, createHandshakeReply } from "./handshake.js";
import type { RtmpLimits } from "./limits.js";
import {
  MessageType,
  PeerBandwidthLimit,
  UserControlEvent,
  acknowledgementMessage,
  readU32Control,
  readUserControl,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  windowAckSizeMessage,
  type RtmpMessage,
} from "./messages.js";
import type { ClaimResult } from "../streams/publish-source.js";
import { RtmpPublish } from "./publish.js";

/** Our outgoing chunk size, window and peer bandwidth: the values OBS and ffmpeg see from common servers. */
const OUT_CHUNK_SIZE = 4096;
const WINDOW_ACK_SIZE = 2_500_000;
/** How long a connection we closed gracefully may take to close its side before it is destroyed. */
const LINGER_MS = 2_000;
/**
 * Message limits until a publish is accepted: before that a client sends only commands of a few hundred
 * bytes, so an unauthenticated connection cannot make the server hold megabytes of a message it announced.
 */
const UNAUTHENTICATED_LIMITS = { maxMessageBytes: 64 * 1024, maxPendingBytes: 128 * 1024 };
/**
 * Media and metadata a client sends right behind `publish` (clients that pipeline) are held until the key
 * check and claim end, then delivered in order; a keyframe may be that large. More closes the connection.
 */
const PIPELINED_MAX_BYTES = 1024 * 1024;

/** What a session needs from its server. */
export interface SessionHost {
  app: string;
  limits: RtmpLimits;
  logger: Logger;
  authenticate(key: string): Promise<string | null>;
  /** Decides on an authenticated publish (the hub's claim). `wanted()` tells whether the publisher is still
   * there after a wait. */
  claim(publish: RtmpPublish, wanted: () => boolean): Promise<ClaimResult>;
  sessionClosed(session: RtmpSession): void;
}

type State = "c0c1" | "c2" | "connect" | "connected" | "authenticating" | "publishing" | "closed";
type Level = "debug" | "info" | "warn" | "error";

interface TerminateOptions {
  level: Level;
  /** Flush queued replies (an onStatus error) and let the client close first. */
  graceful?: boolean;
  fields?: Record<string, unknown>;
}

/** Short, non-reversible stand-in for secrets in logs. */
export function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 8);
}

/** The app a connect names: its `app` (or the first path segment of `tcUrl`), without query or slashes. */
export function connectApp(props: Amf0Object): string {
  let app = typeof props.app === "string" ? props.app : "";
  if (!app && typeof props.tcUrl === "string") {
    try {
      app = new URL(props.tcUrl).pathname.split("/").filter(Boolean)[0] ?? "";
    } catch {
      app = "";
    }
  }
  return app.split("?")[0]!.replace(/^\/+|\/+$/g, "");
}

export class RtmpSession {
  readonly id = randomBytes(4).toString("hex");
  readonly remoteAddress: string;
  private readonly log: Logger;
  private readonly limits: RtmpLimits;
  private state: State = "c0c1";
  /** Media and data messages that arrived while the publish was being decided (see PIPELINED_MAX_BYTES). */
  private held: RtmpMessage[] = [];
  private heldBytes = 0;
  private handshakeParts: Buffer[] = [];
  private handshakeLength = 0;
  private readonly reader: ChunkReader;
  private readonly writer = new ChunkWriter();
  private bytesIn = 0;
  private lastAckAt = 0;
  private peerWindow = 0;
  private nextStreamId = 1;
  private publish: RtmpPublish | null = null;
  private lastTimestamp: number | null = null;
  private metadataSent = false;
  private handshakeTimer: NodeJS.Timeout | null;
  private publishTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.limits = host.limits;
    this.remoteAddress = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.log = host.logger.child({ session: this.id, remote: this.remoteAddress });
    this.reader = new ChunkReader({
      ...this.limits,
      maxMessageBytes: Math.min(this.limits.maxMessageBytes, UNAUTHENTICATED_LIMITS.maxMessageBytes),
      maxPendingBytes: Math.min(this.limits.maxPendingBytes, UNAUTHENTICATED_LIMITS.maxPendingBytes),
    });
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("error", (err) => this.terminate("socket error", { level: this.publish ? "info" : "debug", fields: { error: err.message } }));
    socket.on("close", () => {
      this.terminate("client disconnected", { level: this.publish ? "info" : "debug" });
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.host.sessionClosed(this);
    });
    this.handshakeTimer = this.timer(this.limits.handshakeTimeoutMs, "handshake timeout");
    this.armPublishTimer();
    this.log.debug("connection accepted");
  }

  get closed(): boolean {
    return this.state === "closed";
  }

  /** Ends the connection (and its publish, if any). */
  close(reason: string): void {
    this.terminate(reason, { level: "info", graceful: true });
  }

  private timer(ms: number, reason: string): NodeJS.Timeout {
    const t = setTimeout(() => this.terminate(reason, { level: "warn", fields: { timeoutMs: ms } }), ms);
    t.unref();
    return t;
  }

  private armPublishTimer(): void {
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = this.timer(this.limits.publishTimeoutMs, "no publish before idle timeout");
  }

  private clearTimers(): void {
    for (const t of [this.handshakeTimer, this.publishTimer, this.idleTimer]) if (t) clearTimeout(t);
    this.handshakeTimer = this.publishTimer = this.idleTimer = null;
  }

  private terminate(reason: string, options: TerminateOptions): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.clearTimers();
    const publish = this.publish;
    this.publish = null;
    const fields = { ...options.fields, reason, ...(publish ? { stream: publish.stream } : {}) };
    this.log[options.level](fields, publish ? "publish ended, connection closed" : "connection closed");
    this.finishPublish(publish, reason);
    if (options.graceful && !this.socket.destroyed) {
      this.socket.end();
      this.lingerTimer = setTimeout(() => this.socket.destroy(), LINGER_MS);
      this.lingerTimer.unref();
    } else {
      this.socket.destroy();
    }
  }

  private send(message: RtmpMessage): void {
    this.sendBytes(this.writer.encode(message));
  }

  private sendBytes(bytes: Buffer): void {
    if (this.state === "closed" || !this.socket.writable) return;
    if (this.socket.writableLength + bytes.length > this.limits.maxWriteBufferBytes) {
      this.terminate("peer does not read its replies", { level: "warn" });
      return;
    }
    this.socket.write(bytes);
  }

  private onData(data: Buffer): void {
    if (this.state === "closed") return;
    this.bytesIn += data.length;
    try {
      const rest = this.state === "c0c1" || this.state === "c2" ? this.handshake(data) : data;
      if (rest && rest.length > 0 && !this.closed) this.onChunks(rest);
      this.acknowledge();
    } catch (err) {
      this.terminate("internal error", { level: "error", fields: { err } });
    }
  }

  /** Consumes handshake bytes; returns what follows C2 (chunk stream bytes), or null while incomplete. */
  private handshake(data: Buffer): Buffer | null {
    this.handshakeParts.push(data);
    this.handshakeLength += data.length;
    if (this.state === "c0c1") {
      if (this.handshakeLength < 1 + HANDSHAKE_SIZE) return null;
      const all = Buffer.concat(this.handshakeParts);
      const reply = createHandshakeReply(all.subarray(0, 1 + HANDSHAKE_SIZE), { time: Math.floor(performance.now()) });
      if (!reply.ok) {
        this.terminate("handshake failed", { level: "warn", fields: { code: reply.error.code, error: reply.error.message } });
        return null;
      }
      this.sendBytes(reply.value.bytes);
      this.log.debug({ digest: reply.value.clientDigest !== null }, "handshake S0/S1/S2 sent");
      this.state = "c2";
      const rest = all.subarray(1 + HANDSHAKE_SIZE);
      this.handshakeParts = [rest];
      this.handshakeLength = rest.length;
    }
    if (this.handshakeLength < HANDSHAKE_SIZE) return null;
    const all = Buffer.concat(this.handshakeParts);
    this.handshakeParts = [];
    this.handshakeLength = 0;
    this.state = "connect";
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    return all.subarray(HANDSHAKE_SIZE);
  }

  private onChunks(data: Buffer): void {
    // Message by message: a `publish` raises the reader's limits for the media pipelined right behind it.
    const { error } = this.reader.push(data, (message) => {
      if (this.state !== "closed") this.onMessage(message);
    });
    if (error && this.state !== "closed")
      this.terminate("protocol violation", { level: "warn", fields: { code: error.code, error: error.message } });
  }

  private acknowledge(): void {
    if (this.peerWindow > 0 && this.bytesIn - this.lastAckAt >= this.peerWindow) {
      this.lastAckAt = this.bytesIn;
      this.send(acknowledgementMessage(this.bytesIn % 2 ** 32));
    }
  }

  private onMessage(message: RtmpMessage): void {
    switch (message.typeId) {
      case MessageType.windowAckSize: {
        const size = readU32Control(message);
        if (size.ok) this.peerWindow = size.value;
        return;
      }
      case MessageType.userControl: {
        const event = readUserControl(message);
        if (event.ok && event.value.event === UserControlEvent.pingRequest) {
          this.send(userControlMessage(UserControlEvent.pingResponse, event.value.value));
        }
        return;
      }
      case MessageType.commandAmf0:
      case MessageType.commandAmf3:
        return this.onCommand(message);
      case MessageType.dataAmf0:
      case MessageType.dataAmf3:
        if (this.state === "authenticating") return this.hold(message);
        return this.onDataMessage(message);
      case MessageType.audio:
      case MessageType.video:
        if (this.state === "authenticating") return this.hold(message);
        return this.onMedia(message);
      default:
        // Set Chunk Size and Abort were applied by the reader; acknowledgements and bandwidth hints need nothing.
        return;
    }
  }

  private onCommand(message: RtmpMessage): void {
    const parsed = parseCommand(message);
    if (!parsed.ok) {
      this.terminate("malformed command", { level: "warn", fields: { code: parsed.error.code, error: parsed.error.message } });
      return;
    }
    const cmd = parsed.value;
    if (this.state === "connect" && cmd.name !== "connect") {
      this.terminate("command before connect", { level: "warn", fields: { command: cmd.name.slice(0, 32) } });
      return;
    }
    switch (cmd.name) {
      case "connect":
        return this.onConnect(cmd);
      case "releaseStream":
        if (cmd.transactionId > 0) this.send(resultMessage(cmd.transactionId, null));
        return;
      case "FCPublish":
        this.send(onFCPublishMessage());
        if (cmd.transactionId > 0) this.send(resultMessage(cmd.transactionId, null));
        return;
      case "createStream":
        this.send(createStreamResultMessage(cmd.transactionId, this.nextStreamId++));
        return;
      case "publish":
        this.onPublishCommand(cmd, message.streamId).catch((err: unknown) =>
          this.terminate("internal error", { level: "error", fields: { err } }),
        );
        return;
      case "play":
        this.send(
          onStatusMessage(message.streamId, { level: "error", code: "NetStream.Play.Failed", description: "play is not supported" }),
        );
        this.terminate("play refused", { level: "warn", graceful: true });
        return;
      case "FCUnpublish":
      case "deleteStream":
      case "closeStream":
        this.unpublish();
        return;
      default:
        this.log.debug({ command: cmd.name.slice(0, 32) }, "ignored command");
    }
  }

  private onConnect(cmd: RtmpCommand): void {
    if (this.state !== "connect") {
      this.terminate("second connect", { level: "warn" });
      return;
    }
    const app = connectApp(amf0Properties(cmd.object) ?? Object.create(null));
    if (app !== this.host.app) {
      this.send(connectRejectedMessage(cmd.transactionId, "unknown application"));
      // The app is fingerprinted: a key pasted into the server URL would otherwise reach the log.
      this.terminate("connect refused: unknown application", {
        level: "warn",
        graceful: true,
        fields: { appFingerprint: fingerprint(app) },
      });
      return;
    }
    this.send(windowAckSizeMessage(WINDOW_ACK_SIZE));
    this.send(setPeerBandwidthMessage(WINDOW_ACK_SIZE, PeerBandwidthLimit.dynamic));
    this.send(setChunkSizeMessage(OUT_CHUNK_SIZE));
    this.writer.setChunkSize(OUT_CHUNK_SIZE);
    this.send(connectResultMessage(cmd.transactionId));
    this.state = "connected";
    this.log.debug("connected");
  }

  private async onPublishCommand(cmd: RtmpCommand, streamId: number): Promise<void> {
    if (this.state !== "connected") {
      this.terminate("publish in the wrong state", { level: "warn", fields: { state: this.state } });
      return;
    }
    const name = cmd.args[0];
    // ffmpeg and OBS send the key as the publish name; tokens after "?" are not part of it.
    const key = typeof name === "string" ? name.split("?")[0]! : "";
    if (!key) return this.refusePublish(streamId, "invalid stream key", {});
    const keyFingerprint = fingerprint(key);
    this.state = "authenticating";
    const pipelinedLimit = Math.min(this.limits.maxMessageBytes, PIPELINED_MAX_BYTES);
    this.reader.setLimits({ maxMessageBytes: pipelinedLimit, maxPendingBytes: pipelinedLimit + UNAUTHENTICATED_LIMITS.maxPendingBytes });
    let stream: string | null;
    try {
      stream = await this.host.authenticate(key);
    } catch (err) {
      if (this.state !== "authenticating") return;
      this.log.error({ err: err instanceof Error ? err.message : String(err), keyFingerprint }, "authenticate failed");
      return this.refusePublish(streamId, "invalid stream key", { keyFingerprint });
    }
    if (this.state !== "authenticating") return;
    if (!stream) return this.refusePublish(streamId, "invalid stream key", { keyFingerprint });

    const publish = new RtmpPublish({
      id: this.id,
      stream,
      remoteAddress: this.remoteAddress,
      keyFingerprint,
      closeConnection: (reason) => {
        // The hub ends a publish it cannot serve (or a takeover): the client's log says why.
        this.send(onStatusMessage(streamId, { level: "error", code: "NetStream.Failed", description: reason }));
        this.terminate(reason, { level: "info", graceful: true });
      },
    });
    const verdict = await this.host.claim(publish, () => this.state === "authenticating");
    if (this.state !== "authenticating" || verdict === "withdrawn") {
      // Gone while the claim was decided: an accepted publish still has to end for its listeners.
      if (verdict === "accepted") this.finishPublish(publish, "client disconnected");
      return;
    }
    if (verdict !== "accepted") {
      const description = verdict === "busy" ? "stream busy" : "already publishing";
      return this.refusePublish(streamId, description, { keyFingerprint, stream });
    }
    this.publish = publish;
    this.state = "publishing";
    this.reader.setLimits({ maxMessageBytes: this.limits.maxMessageBytes, maxPendingBytes: this.limits.maxPendingBytes });
    this.metadataSent = false;
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
    this.idleTimer = this.timer(this.limits.idleTimeoutMs, "no media before media timeout");
    this.send(userControlMessage(UserControlEvent.streamBegin, streamId));
    this.send(onStatusMessage(streamId, { level: "status", code: "NetStream.Publish.Start", description: `${stream} is now published` }));
    this.log.info({ stream, keyFingerprint, ...(this.held.length > 0 ? { pipelinedMessages: this.held.length } : {}) }, "publish started");
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const message of held) {
      if (this.state !== "publishing") break;
      this.onMessage(message);
    }
  }

  private hold(message: RtmpMessage): void {
    this.heldBytes += message.payload.length;
    if (this.heldBytes > PIPELINED_MAX_BYTES) {
      this.terminate("too much media before the publish was accepted", { level: "warn", fields: { heldBytes: this.heldBytes } });
      return;
    }
    this.held.push(message);
  }

  private refusePublish(streamId: number, description: string, fields: Record<string, unknown>): void {
    this.send(onStatusMessage(streamId, { level: "error", code: "NetStream.Publish.BadName", description }));
    this.terminate(`publish refused: ${description}`, { level: "warn", graceful: true, fields });
  }

  private unpublish(): void {
    const publish = this.publish;
    if (!publish) return;
    this.publish = null;
    this.state = "connected";
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.armPublishTimer();
    this.log.info({ stream: publish.stream, reason: "unpublished" }, "publish ended");
    this.finishPublish(publish, "unpublished");
  }

  /** A throwing close listener must not escape into socket or timer callbacks. */
  private finishPublish(publish: RtmpPublish | null, reason: string): void {
    try {
      publish?.finish(reason);
    } catch (err) {
      this.log.error({ err }, "a publish close listener threw");
    }
  }

  /** RTMP timestamps are 32-bit; tags get a continuous timeline across the wrap (every ~49.7 days). */
  private unwrap(timestamp: number): number {
    if (this.lastTimestamp === null) {
      this.lastTimestamp = timestamp;
      return timestamp;
    }
    let next = this.lastTimestamp + ((timestamp - (this.lastTimestamp % 2 ** 32)) | 0);
    if (next < 0) next = timestamp;
    this.lastTimestamp = next;
    return next;
  }

  private onMedia(message: RtmpMessage): void {
    const publish = this.publish;
    if (this.state !== "publishing" || !publish || message.payload.length === 0) return;
    const tag: FlvTag = {
      type: message.typeId === MessageType.audio ? "audio" : "video",
      timestamp: this.unwrap(message.timestamp),
      data: message.payload,
    };
    const unsupported = unsupportedCodec(tag);
    if (unsupported) {
      this.terminate("unsupported codec", { level: "warn", graceful: true, fields: { codec: unsupported } });
      return;
    }
    this.idleTimer?.refresh();
    publish.deliver(tag, true);
  }

  private onDataMessage(message: RtmpMessage): void {
    const publish = this.publish;
    if (this.state !== "publishing" || !publish) return;
    const parsed = parseDataMessage(message);
    if (!parsed.ok) {
      this.log.debug({ code: parsed.error.code }, "ignored malformed data message");
      return;
    }
    const values = parsed.value;
    let metadata: Amf0Value | undefined;
    if (values[0] === "@setDataFrame" && values[1] === "onMetaData") metadata = values[2];
    else if (values[0] === "onMetaData") metadata = values[1];
    else return;
    const properties = amf0Properties(metadata ?? null) ?? (Object.create(null) as Amf0Object);
    publish.metadata = properties;
    // Re-emitted once, the way FLV files carry it ("onMetaData" + an ECMA array, before the media). Some publishers
    // (GStreamer) repeat it mid-stream; ffmpeg's FLV reader would turn those repeats into a bogus subtitle stream.
    if (this.metadataSent) return;
    this.metadataSent = true;
    const data = encodeAmf0(["onMetaData", new Amf0EcmaArray(properties)]);
    publish.deliver({ type: "script", timestamp: this.unwrap(message.timestamp), data }, false);
  }
}
