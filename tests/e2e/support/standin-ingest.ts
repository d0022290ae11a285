import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export type StandinState = "offline" | "live" | "reconnecting" | "ended";

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

/**
 * A stand-in for the ingest's HTTP side until the real one is wired: ffmpeg's own HLS muxer
 * (fMP4, 1 s segments, no LL-HLS parts) writes into a temp dir served statically with CORS, and the
 * test sets the status.json state. A restart appends to the same playlist after an
 * EXT-X-DISCONTINUITY, as the ingest does after a performer reconnects.
 */
export class StandinIngest {
  state: StandinState = "offline";
  readonly requests: LoggedRequest[] = [];
  readonly heartbeats: string[] = [];
  private readonly server: Server;
  private dir = "";
  private publisher: ChildProcess | null = null;

  constructor(readonly stream = "show") {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      res.on("finish", () =>
        this.requests.push({ method: req.method ?? "GET", path: url.pathname, status: res.statusCode, at: Date.now() }),
      );
      res.setHeader("Access-Control-Allow-Origin", "*");
      if (req.method === "OPTIONS") {
        res
          .writeHead(204, { "Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": "content-type" })
          .end();
        return;
      }
      const prefix = `/live/${this.stream}/`;
      if (!url.pathname.startsWith(prefix)) return void res.writeHead(404).end();
      const file = url.pathname.slice(prefix.length);
      if (file === "status.json") {
        const body = { name: this.stream, state: this.state, live: this.state === "live", viewers: new Set(this.heartbeats).size, playlist: "index.m3u8" };
        return void res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache" }).end(JSON.stringify(body));
      }
      if (file === "viewers" && req.method === "POST") {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
          this.heartbeats.push((JSON.parse(body) as { id: string }).id);
          res.writeHead(204).end();
        });
        return;
      }
      if (!/^[\w.-]+$/.test(file)) return void res.writeHead(404).end();
      readFile(path.join(this.dir, file)).then(
        (bytes) => {
          const type = file.endsWith(".m3u8") ? "application/vnd.apple.mpegurl" : "video/mp4";
          res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache" }).end(bytes);
        },
        () => res.writeHead(404).end(),
      );
    });
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(path.join(tmpdir(), "live-standin-"));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  /** Public base of /live, on 127.0.0.1 (the page is on localhost: cross-origin). */
  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/live`;
  }

  /** Starts an ffmpeg test-pattern publisher (1 s GOP) and resolves once the playlist has 2 new segments. */
  async startPublisher(): Promise<void> {
    const before = await this.segmentCount();
    // prettier-ignore
    const args = [
      "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
      "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
      "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
      "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "800k",
      "-c:a", "aac", "-b:a", "64k",
      "-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_segment_type", "fmp4",
      "-hls_flags", "delete_segments+append_list+discont_start+independent_segments+program_date_time",
      "-hls_fmp4_init_filename", "init.mp4",
      "-hls_segment_filename", path.join(this.dir, `seg-${Date.now()}-%d.m4s`),
      path.join(this.dir, "index.m3u8"),
    ];
    const child = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "inherit"] });
    this.publisher = child;
    const deadline = Date.now() + 20_000;
    while ((await this.segmentCount()) < before + 2) {
      if (Date.now() > deadline) throw new Error("ffmpeg produced no segments");
      if (child.exitCode !== null) throw new Error(`ffmpeg exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The performer drops: no ENDLIST, the playlist just stops growing. */
  async killPublisher(): Promise<void> {
    await this.stopPublisher("SIGKILL");
  }

  /** The show ends: ffmpeg writes EXT-X-ENDLIST on a clean exit. */
  async endPublisher(): Promise<void> {
    await this.stopPublisher("SIGINT");
  }

  async close(): Promise<void> {
    await this.stopPublisher("SIGKILL");
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async stopPublisher(signal: NodeJS.Signals): Promise<void> {
    const child = this.publisher;
    this.publisher = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private async segmentCount(): Promise<number> {
    try {
      const text = await readFile(path.join(this.dir, "index.m3u8"), "utf8");
      const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
      return sequence + (text.match(/#EXTINF/g) ?? []).length;
    } catch {
      return 0;
    }
  }
}
