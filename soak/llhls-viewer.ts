// A simulated LL-HLS viewer that behaves like VHS at the live edge: blocking playlist reloads at the
// preload hint, every new part fetched once, plus status polling and viewer heartbeats. It checks what a
// player relies on: every request answered 200 (or 503 "retry" for a playlist), parts contiguous (none
// skipped between two reloads).
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type { Agent } from "node:http";
import { httpRequest, keepAliveAgent } from "./http-client.js";

interface Part {
  uri: string;
}
interface Manifest {
  mediaSequence?: number;
  endList?: boolean;
  segments: { uri: string; parts?: Part[]; discontinuity?: boolean }[];
  preloadSegment?: { parts?: Part[]; preloadHints?: { type: string; uri: string }[] };
}
// m3u8-parser is the parser VHS uses; it ships no types (only the fields read here are typed).
const { Parser } = createRequire(import.meta.url)("m3u8-parser") as {
  Parser: new () => { push(text: string): void; end(): void; manifest: Manifest };
};

function parsePlaylist(text: string): Manifest {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest;
}

export interface ViewerOptions {
  /** e.g. http://127.0.0.1:8080/live/show/ */
  streamUrl: string;
  /** Poll status.json this often (0: never). */
  statusEveryMs?: number;
  /** Send a viewer heartbeat this often (0: never). */
  heartbeatEveryMs?: number;
  /** Called for anything a player would notice (a non-200 answer, a skipped part, a failed request). */
  onProblem?: (problem: string) => void;
}

export interface ViewerStats {
  playlists: number;
  parts: number;
  partBytes: number;
  statusPolls: number;
  heartbeats: number;
  discontinuities: number;
  /** 503 answers to playlist requests (retried, not a problem). */
  unavailable: number;
  problems: string[];
  /** The playlist ended (EXT-X-ENDLIST). */
  ended: boolean;
}

const partUris = (m: Manifest): string[] => [
  ...m.segments.flatMap((s) => (s.parts ?? []).map((p) => p.uri)),
  ...(m.preloadSegment?.parts ?? []).map((p) => p.uri),
];

export class LlHlsViewer {
  readonly stats: ViewerStats = {
    playlists: 0,
    parts: 0,
    partBytes: 0,
    statusPolls: 0,
    heartbeats: 0,
    discontinuities: 0,
    unavailable: 0,
    problems: [],
    ended: false,
  };
  private readonly agent: Agent = keepAliveAgent(2);
  private readonly controller = new AbortController();
  private readonly id = randomBytes(12).toString("base64url");
  private running: Promise<void> | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastPart: string | null = null;
  private seenDiscontinuities = new Set<string>();

  constructor(private readonly options: ViewerOptions) {}

  start(): void {
    this.running ??= this.loop();
    const { statusEveryMs = 0, heartbeatEveryMs = 0 } = this.options;
    if (statusEveryMs > 0) this.timers.push(setInterval(() => void this.pollStatus(), statusEveryMs));
    if (heartbeatEveryMs > 0) {
      void this.heartbeat();
      this.timers.push(setInterval(() => void this.heartbeat(), heartbeatEveryMs));
    }
  }

  /** Stops and waits for the loop; in-flight requests are aborted. */
  async stop(): Promise<ViewerStats> {
    for (const t of this.timers) clearInterval(t);
    this.controller.abort();
    await this.running;
    this.agent.destroy();
    return this.stats;
  }

  private problem(text: string): void {
    if (this.controller.signal.aborted) return;
    this.stats.problems.push(text);
    this.options.onProblem?.(text);
  }

  private async get(path: string, timeoutMs = 30_000): Promise<{ status: number; body: Buffer } | null> {
    try {
      return await httpRequest(new URL(path, this.options.streamUrl).href, {
        agent: this.agent,
        timeoutMs,
        signal: this.controller.signal,
      });
    } catch (err) {
      this.problem(`GET ${path}: ${(err as Error).message}`);
      return null;
    }
  }

  private async loop(): Promise<void> {
    let hint: string | null = null;
    while (!this.controller.signal.aborted) {
      const query = hint ? `?_HLS_msn=${hint.split("-")[1]}&_HLS_part=${hint.split("-")[2]!.replace(".m4s", "")}` : "";
      const reply = await this.get(`index.m3u8${query}`);
      if (!reply) {
        await this.pause(500);
        continue;
      }
      if (reply.status === 503) {
        // The server's "not yet" (a held reload that timed out, e.g. while the publisher reconnects, or no part
        // yet): a player asks again.
        this.stats.unavailable++;
        await this.pause(500);
        continue;
      }
      if (reply.status !== 200) {
        this.problem(`playlist ${query || "(plain)"}: HTTP ${reply.status}`);
        await this.pause(500);
        hint = null;
        continue;
      }
      this.stats.playlists++;
      const manifest = parsePlaylist(reply.body.toString("utf8"));
      for (const s of manifest.segments) {
        if (s.discontinuity && !this.seenDiscontinuities.has(s.uri)) {
          this.seenDiscontinuities.add(s.uri);
          if (this.lastPart !== null) this.stats.discontinuities++;
        }
      }
      const uris = partUris(manifest);
      let start = 0;
      if (this.lastPart === null) {
        start = Math.max(0, uris.length - 1); // join at the live edge
      } else {
        const at = uris.indexOf(this.lastPart);
        if (at === -1 && uris.length > 0) this.problem(`fell behind: ${this.lastPart} is no longer listed`);
        start = at + 1;
      }
      for (const uri of uris.slice(start)) {
        const part = await this.get(uri);
        if (!part) break;
        if (part.status !== 200 || part.body.length === 0) {
          this.problem(`${uri}: HTTP ${part.status}, ${part.body.length} bytes`);
          break;
        }
        this.stats.parts++;
        this.stats.partBytes += part.body.length;
        this.lastPart = uri;
      }
      if (manifest.endList) {
        this.stats.ended = true;
        return;
      }
      hint = manifest.preloadSegment?.preloadHints?.find((h) => h.type === "PART")?.uri ?? null;
      if (!hint) await this.pause(200);
    }
  }

  private async pollStatus(): Promise<void> {
    const reply = await this.get("status.json", 5_000);
    if (!reply) return;
    if (reply.status !== 200) return this.problem(`status.json: HTTP ${reply.status}`);
    this.stats.statusPolls++;
  }

  private async heartbeat(): Promise<void> {
    try {
      const reply = await httpRequest(new URL("viewers", this.options.streamUrl).href, {
        agent: this.agent,
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: this.id }),
        timeoutMs: 5_000,
        signal: this.controller.signal,
      });
      if (reply.status !== 204) return this.problem(`heartbeat: HTTP ${reply.status}`);
      this.stats.heartbeats++;
    } catch (err) {
      this.problem(`heartbeat: ${(err as Error).message}`);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.controller.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
