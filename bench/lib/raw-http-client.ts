// A keep-alive HTTP/1.1 GET client on one socket, one request at a time, for the fan-out load generator.
// Written by hand (like wrk's request loop) because the generator shares the 2 cores with the server it
// measures: node:http's and undici's clients cost about as much CPU per request as the server itself.
// It reads only what the generator needs: the status code and a Content-Length body.
import { connect, type Socket } from "node:net";

export type GetResult = { ok: true; status: number; body: Buffer | null } | { ok: false; error: "timeout" | "network"; message: string };

const HEAD_END = Buffer.from("\r\n\r\n");
const MAX_HEAD = 16 * 1024;
const contentLength = /\r\ncontent-length:[ \t]*(\d+)/i;
const connectionClose = /\r\nconnection:[ \t]*close/i;

interface Pending {
  wantBody: boolean;
  deadline: number;
  /** Called once per byte chunk of the body, e.g. to count bytes. */
  onBody: (bytes: number) => void;
  resolve: (result: GetResult) => void;
}

/** Parses a response head ("HTTP/1.1 200 OK\r\n...\r\n\r\n" without the final CRLFCRLF), or returns an error message. */
export function parseResponseHead(head: string): { status: number; length: number; close: boolean } | string {
  const status = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(head);
  if (!status) return `bad status line: ${JSON.stringify(head.slice(0, 40))}`;
  const length = contentLength.exec(head);
  if (!length) return "response without Content-Length";
  return { status: Number(status[1]), length: Number(length[1]), close: connectionClose.test(head) };
}

export class RawHttpConnection {
  private socket: Socket | null = null;
  private pending: Pending | null = null;
  private head: Buffer | null = null;
  private bodyLeft = 0;
  private status = 0;
  private closeAfter = false;
  private chunks: Buffer[] = [];
  private destroyed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly hostHeader: string,
    /** Sent with every request, e.g. a members-only show's session cookie. */
    private readonly cookie?: string,
  ) {}

  /** GETs `path`; resolves (never rejects) with the status and, when asked, the body. */
  get(path: string, wantBody: boolean, timeoutMs: number, onBody: (bytes: number) => void = () => {}): Promise<GetResult> {
    if (this.pending) throw new Error("RawHttpConnection: one request at a time");
    if (this.destroyed) return Promise.resolve({ ok: false, error: "network", message: "connection destroyed" });
    return new Promise((resolve) => {
      this.pending = { wantBody, deadline: performance.now() + timeoutMs, onBody, resolve };
      const socket = this.socket ?? this.open();
      const cookie = this.cookie ? `Cookie: ${this.cookie}\r\n` : "";
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n${cookie}\r\n`, "latin1");
    });
  }

  /** Fails the request in flight if its deadline passed; called by the owner's periodic sweep, not one timer per request. */
  checkDeadline(now: number): void {
    if (this.pending && now > this.pending.deadline) this.fail("timeout", "no complete response in time");
  }

  destroy(): void {
    this.destroyed = true;
    this.fail("network", "connection destroyed");
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    this.head = null;
    this.bodyLeft = 0;
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("error", (err) => this.socket === socket && this.fail("network", err.message));
    socket.on("close", () => this.socket === socket && this.fail("network", "connection closed"));
    return socket;
  }

  private onData(data: Buffer): void {
    if (!this.pending) return this.fail("network", "data without a request");
    if (this.bodyLeft === 0 && this.status === 0) {
      const head: Buffer = this.head ? Buffer.concat([this.head, data]) : data;
      const end = head.indexOf(HEAD_END);
      if (end === -1) {
        if (head.length > MAX_HEAD) return this.fail("network", "response head too large");
        this.head = head;
        return;
      }
      this.head = null;
      const parsed = parseResponseHead(head.toString("latin1", 0, end));
      if (typeof parsed === "string") return this.fail("network", parsed);
      this.status = parsed.status;
      this.bodyLeft = parsed.length;
      this.closeAfter = parsed.close;
      data = head.subarray(end + HEAD_END.length);
    }
    if (data.length > this.bodyLeft) return this.fail("network", "more bytes than Content-Length");
    if (data.length > 0) {
      this.bodyLeft -= data.length;
      this.pending.onBody(data.length);
      if (this.pending.wantBody) this.chunks.push(data);
    }
    if (this.bodyLeft === 0) this.complete();
  }

  private complete(): void {
    const pending = this.pending!;
    const body = pending.wantBody ? Buffer.concat(this.chunks) : null;
    const status = this.status;
    this.reset();
    if (this.closeAfter) this.dropSocket();
    pending.resolve({ ok: true, status, body });
  }

  private fail(error: "timeout" | "network", message: string): void {
    this.dropSocket();
    const pending = this.pending;
    this.reset();
    pending?.resolve({ ok: false, error, message });
  }

  private reset(): void {
    this.pending = null;
    this.status = 0;
    this.bodyLeft = 0;
    this.chunks = [];
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.head = null;
    socket?.destroy();
  }
}
