// A multivariant LL-HLS stream made without the ingest's transcoder: one ffmpeg encodes a test pattern
// into three renditions with the same keyframes (fixed 2 s GOP, no scene cuts) and publishes each to its
// own stream on the real ingest; LadderFront serves /live/<show>/index.m3u8 as the multivariant playlist
// over them and passes every other request (media playlists, parts, status.json, heartbeats) to the ingest.
// Each stream numbers its segments from its own first publish, so the front renumbers the lower rungs'
// media sequence numbers (playlists, URIs, _HLS_msn) to match the top rung's at equal PROGRAM-DATE-TIME:
// players line renditions up by sequence number, and the ingest's own renditions share theirs.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LadderRung {
  /** The ingest stream carrying it. */
  stream: string;
  key: string;
  width: number;
  height: number;
  /** Video bitrate, kbit/s; the source is sent as constant bitrate (filler), the others capped there. */
  videoKbps: number;
}

const AUDIO_KBPS = 96;
const FPS = 25;

/** BANDWIDTH of a rung: video + audio + 10 % for the containers. */
export function rungBandwidth(rung: LadderRung): number {
  return Math.round((rung.videoKbps + AUDIO_KBPS) * 1100);
}

/** ffmpeg arguments: one source, split and scaled, one x264 + AAC encode and one RTMP output per rung. */
export function ladderArgs(rtmpBase: string, rungs: readonly LadderRung[], seconds: number): string[] {
  const top = rungs[0]!;
  const split = `[0:v]split=${rungs.length}${rungs.map((_, i) => `[v${i}]`).join("")}`;
  const scales = rungs.map((r, i) => `[v${i}]scale=${r.width}:${r.height}[o${i}]`);
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin", "-re"];
  args.push("-f", "lavfi", "-i", `testsrc2=size=${top.width}x${top.height}:rate=${FPS}`);
  args.push("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(seconds));
  args.push("-filter_complex", [split, ...scales].join(";"));
  rungs.forEach((rung, i) => {
    const rate = `${rung.videoKbps}k`;
    args.push("-map", `[o${i}]`, "-map", "1:a");
    args.push("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-threads", "1", "-profile:v", "high", "-level", "3.1");
    args.push("-g", String(2 * FPS), "-keyint_min", String(2 * FPS), "-sc_threshold", "0");
    args.push("-b:v", rate, "-maxrate", rate, "-bufsize", `${Math.round(rung.videoKbps / 2)}k`);
    // the test pattern compresses far below any bitrate: filler makes the source really weigh what it says
    if (i === 0) args.push("-minrate", rate, "-x264-params", "nal-hrd=cbr:filler=1");
    args.push("-c:a", "aac", "-b:a", `${AUDIO_KBPS}k`, "-f", "flv", "-tcp_nodelay", "1", `${rtmpBase}/${rung.key}`);
  });
  return args;
}

export function publishLadder(rtmpBase: string, rungs: readonly LadderRung[], seconds: number): ChildProcess {
  return spawn("ffmpeg", ladderArgs(rtmpBase, rungs, seconds), { stdio: ["ignore", "ignore", "inherit"] });
}

/** The multivariant playlist: highest first, as the ingest's own will be. */
export function multivariantPlaylist(rungs: readonly LadderRung[]): string {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:9", "#EXT-X-INDEPENDENT-SEGMENTS"];
  for (const rung of rungs) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${rungBandwidth(rung)},RESOLUTION=${rung.width}x${rung.height},` +
        `CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=${FPS}.000`,
      `/live/${rung.stream}/index.m3u8`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** In front of the ingest: `/live/<show>/index.m3u8` is the multivariant; `<show>`'s other URLs are the top rung's. */
export class LadderFront {
  private readonly server: Server;
  /** Per stream: its media sequence number minus the top rung's for the same media. */
  private readonly shift = new Map<string, number>();

  constructor(
    private readonly ingestPort: number,
    private readonly show: string,
    private readonly rungs: readonly LadderRung[],
  ) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    const firstSegment = async (stream: string) => {
      const text = await new Promise<string>((resolve, reject) => {
        request({ host: "127.0.0.1", port: this.ingestPort, path: `/live/${stream}/index.m3u8` }, (reply) => {
          let body = "";
          reply.on("data", (chunk: Buffer) => (body += chunk.toString()));
          reply.on("end", () => resolve(body));
        })
          .on("error", reject)
          .end();
      });
      const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]);
      const pdt = Date.parse(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text)?.[1] ?? "");
      if (!Number.isFinite(msn) || !Number.isFinite(pdt)) throw new Error(`no media sequence or date in ${stream}'s playlist:\n${text}`);
      return { msn, pdt };
    };
    const top = await firstSegment(this.rungs[0]!.stream);
    for (const rung of this.rungs.slice(1)) {
      const own = await firstSegment(rung.stream);
      // segments are 2 s long: the number of segments between the two first segments, rounded
      this.shift.set(rung.stream, own.msn - top.msn - Math.round((own.pdt - top.pdt) / 2000));
    }
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/live`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://front");
    if (url.pathname === `/live/${this.show}/index.m3u8`) {
      res
        .writeHead(200, {
          "Content-Type": "application/vnd.apple.mpegurl",
          "Cache-Control": "no-store",
          "Access-Control-Allow-Origin": "*",
        })
        .end(multivariantPlaylist(this.rungs));
      return;
    }
    let path = url.pathname.startsWith(`/live/${this.show}/`)
      ? `/live/${this.rungs[0]!.stream}/${url.pathname.slice(`/live/${this.show}/`.length)}${url.search}`
      : `${url.pathname}${url.search}`;
    const shift = this.shift.get(/^\/live\/([^/]+)\//.exec(path)?.[1] ?? "") ?? 0;
    const renumber = (text: string, by: number) =>
      text.replace(
        /(seg-|part-|init-|_HLS_msn=|#EXT-X-MEDIA-SEQUENCE:)(\d+)/g,
        (_, prefix: string, n: string) => `${prefix}${Number(n) + by}`,
      );
    path = renumber(path, shift);
    const upstream = request({ host: "127.0.0.1", port: this.ingestPort, method: req.method, path, headers: req.headers }, (reply) => {
      if (shift === 0 || !path.includes(".m3u8")) {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      reply.on("data", (chunk: Buffer) => chunks.push(chunk));
      reply.on("end", () => {
        const body = renumber(Buffer.concat(chunks).toString(), -shift);
        const headers = { ...reply.headers };
        delete headers["content-length"]; // the numbers' lengths change
        res.writeHead(reply.statusCode ?? 502, headers).end(body);
      });
    });
    upstream.on("error", () => res.headersSent || res.writeHead(502).end());
    req.pipe(upstream);
  }
}
