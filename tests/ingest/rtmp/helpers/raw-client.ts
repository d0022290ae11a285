// A scripted RTMP publisher over a real TCP socket, for protocol and abuse tests (real clients are in ffmpeg.test.ts).
import { connect, type Socket } from "node:net";
import { decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from "../../../../ingest/src/rtmp/amf0.js";
import { ChunkReader } from "../../../../ingest/src/rtmp/chunk-reader.js";
import { ChunkWriter } from "../../../../ingest/src/rtmp/chunk-writer.js";
import { MessageType, type RtmpMessage } from "../../../../ingest/src/rtmp/messages.js";

export interface ReceivedCommand {
  name: string;
  transactionId: number;
  values: Amf0Value[];
  message: RtmpMessage;
}

export class RawRtmpClient {
  readonly received: RtmpMessage[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  /** Set if the server's bytes did not parse (then the socket is destroyed). */
  protocolError: Error | null = null;
  private readonly reader = new ChunkReader();
  readonly writer = new ChunkWriter();
  private handshakeBytes: Buffer[] = [];
  private handshakeLength = 0;
  private handshakeDone: (() => void) | null = null;
  private inHandshake = false;
  private waiters: (() => void)[] = [];
  private nextTransaction = 1;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("close", () => {
      this.isClosed = true;
      this.notify();
    });
    socket.on("error", () => undefined);
    socket.on("data", (data: Buffer) => this.onData(data));
  }

  static open(port: number): Promise<RawRtmpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => resolve(new RawRtmpClient(socket)));
      socket.once("error", reject);
    });
  }

  /** Opens, handshakes (plain form) and connects to `app`; resolves with the connect reply's command. */
  static async connected(port: number, app = "live"): Promise<RawRtmpClient> {
    const client = await RawRtmpClient.open(port);
    await client.handshake();
    const reply = await client.connectApp(app);
    if (reply.name !== "_result") throw new Error(`connect answered ${reply.name}`);
    return client;
  }

  private onData(data: Buffer): void {
    if (this.inHandshake) {
      this.handshakeBytes.push(data);
      this.handshakeLength += data.length;
      if (this.handshakeLength < 3073) return;
      const all = Buffer.concat(this.handshakeBytes);
      this.inHandshake = false;
      this.socket.write(all.subarray(1, 1537)); // C2 echoes S1
      this.handshakeDone?.();
      data = all.subarray(3073);
      if (data.length === 0) return;
    }
    const { messages, error } = this.reader.push(data);
    this.received.push(...messages);
    if (error) {
      this.protocolError = error;
      this.socket.destroy();
    }
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  handshake(): Promise<void> {
    this.inHandshake = true;
    const c1 = Buffer.alloc(1536);
    c1.writeUInt32BE(1, 0);
    const done = new Promise<void>((resolve) => (this.handshakeDone = resolve));
    this.socket.write(Buffer.concat([Buffer.of(3), c1]));
    return done;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  send(message: RtmpMessage): void {
    this.write(this.writer.encode(message));
  }

  command(values: Amf0Value[], streamId = 0, csid = 3): void {
    this.send({ csid, typeId: MessageType.commandAmf0, streamId, timestamp: 0, payload: encodeAmf0(values) });
  }

  /** Waits until `pick` finds something among received messages (or the socket closes: then rejects). */
  async waitFor<T>(pick: (messages: RtmpMessage[]) => T | undefined, timeoutMs = 3_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pick(this.received);
      if (found !== undefined) return found;
      if (this.isClosed) throw new Error("connection closed while waiting");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a server message");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  commands(): ReceivedCommand[] {
    return this.received
      .filter((m) => m.typeId === MessageType.commandAmf0)
      .map((message) => {
        const decoded = decodeAmf0(message.payload);
        if (!decoded.ok) throw decoded.error;
        const [name, transactionId] = decoded.value;
        return { name: String(name), transactionId: Number(transactionId), values: decoded.value, message };
      });
  }

  waitForCommand(match: (c: ReceivedCommand) => boolean, timeoutMs?: number): Promise<ReceivedCommand> {
    return this.waitFor(() => this.commands().find(match), timeoutMs);
  }

  async connectApp(app: string, extra: Amf0Object = {}): Promise<ReceivedCommand> {
    const tid = this.nextTransaction++;
    this.command(["connect", tid, { app, type: "nonprivate", flashVer: "FMLE/3.0", tcUrl: `rtmp://127.0.0.1/${app}`, ...extra }]);
    return this.waitForCommand((c) => c.transactionId === tid && (c.name === "_result" || c.name === "_error"));
  }

  /** releaseStream, FCPublish, createStream, publish as ffmpeg sends them; resolves with the onStatus info. */
  async publish(name: string): Promise<Amf0Object> {
    this.command(["releaseStream", this.nextTransaction++, null, name]);
    this.command(["FCPublish", this.nextTransaction++, null, name]);
    const tid = this.nextTransaction++;
    this.command(["createStream", tid, null]);
    const created = await this.waitForCommand((c) => c.name === "_result" && c.transactionId === tid);
    const streamId = created.values[3] as number;
    this.command(["publish", this.nextTransaction++, null, name, "live"], streamId, 8);
    const status = await this.waitForCommand((c) => c.name === "onStatus");
    return status.values[3] as Amf0Object;
  }

  media(type: "audio" | "video", timestamp: number, payload: Buffer, streamId = 1): void {
    const typeId = type === "audio" ? MessageType.audio : MessageType.video;
    this.send({ csid: type === "audio" ? 4 : 6, typeId, streamId, timestamp, payload });
  }

  metadata(properties: Amf0Object, streamId = 1): void {
    const payload = encodeAmf0(["@setDataFrame", "onMetaData", properties]);
    this.send({ csid: 4, typeId: MessageType.dataAmf0, streamId, timestamp: 0, payload });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Minimal bodies with the right FLV codec bytes (content is not decoded by the receiver). */
export const avcSequenceHeader = (): Buffer => Buffer.from("17000000000164001fffe1", "hex");
export const avcKeyframe = (): Buffer => Buffer.from("1701000000000000050000", "hex");
export const avcInterFrame = (): Buffer => Buffer.from("2701000000000000050000", "hex");
export const aacSequenceHeader = (): Buffer => Buffer.from("af001190", "hex");
export const aacFrame = (): Buffer => Buffer.from("af01212345", "hex");
