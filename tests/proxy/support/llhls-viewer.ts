// A simulated LL-HLS viewer, the way VHS reads a live stream: one plain playlist to join, then
// blocking reloads for the preload-hinted part (_HLS_msn/_HLS_part) and a GET of every new part, on
// one keep-alive connection. It keeps only URIs and counts; bytes are checked against a shared reference.
import { Agent } from "node:http";
import { parseResourceName } from "../../../ingest/src/hls/resource-names.js";
import { parseM3u8, type ParsedPlaylist } from "../../ingest/hls/parse-m3u8.js";
import { get, type Reply } from "../../ingest/http/http-client.js";

export interface PartRef {
  uri: string;
  msn: number;
  part: number;
}

/** Every part listed in a playlist, oldest first, and the preload hint (the next part). */
export function listedParts(manifest: ParsedPlaylist): { parts: PartRef[]; hint: PartRef | null } {
  const uris = [...manifest.segments.flatMap((s) => s.parts ?? []), ...(manifest.preloadSegment?.parts ?? [])].map((p) => p.uri);
  const hintUri = manifest.preloadSegment?.preloadHints?.find((h) => h.type === "PART")?.uri;
  return { parts: uris.map(partRef), hint: hintUri ? partRef(hintUri) : null };
}

export function partRef(uri: string): PartRef {
  const name = parseResourceName(uri);
  if (name?.kind !== "part") throw new Error(`not a part URI: ${uri}`);
  return { uri, msn: name.msn, part: name.part };
}

const after = (a: PartRef, b: PartRef) => a.msn > b.msn || (a.msn === b.msn && a.part > b.part);

export interface ViewerContext {
  /** http://host:port/live/<stream>/ */
  streamBase: string;
  /** True once the viewers should stop after their current request. */
  stopped(): boolean;
  /** Called for every part received; returns false when its bytes differ from the reference. */
  onPart(uri: string, body: Buffer): boolean;
  /** Every URL any viewer requested (distinct objects as the cache sees them). */
  urls: Set<string>;
  /** Cache statuses (X-Cache-Status) of every response. */
  cacheStatus: Map<string, number>;
}

export class LlHlsViewer {
  readonly received: PartRef[] = [];
  readonly errors: string[] = [];
  requests = 0;
  mismatches = 0;
  joinedAt = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly ctx: ViewerContext) {}

  async run(): Promise<void> {
    try {
      this.joinedAt = performance.now();
      const joined = await this.playlist("index.m3u8");
      if (!joined) return;
      const { hint } = listedParts(joined);
      const initUri = joined.segments[0]?.map?.uri ?? joined.preloadSegment?.map?.uri;
      if (!hint || !initUri) return void this.errors.push("joined a playlist without a preload hint or map");
      if (!(await this.fetch(initUri))) return;
      // Every part from the one being written at join time on.
      let last: PartRef | null = null;
      let next: PartRef = hint;
      while (!this.ctx.stopped()) {
        const manifest = await this.playlist(`index.m3u8?_HLS_msn=${next.msn}&_HLS_part=${next.part}`);
        if (!manifest) return;
        const listed = listedParts(manifest);
        const fresh = listed.parts.filter((p) => (last ? after(p, last) : !after(hint, p)));
        if (last && fresh.length > 0 && !listed.parts.some((p) => p.uri === last!.uri)) {
          return void this.errors.push(`fell out of the playlist window after ${last.uri}`);
        }
        for (const part of fresh) {
          const body = await this.fetch(part.uri);
          if (!body) return;
          if (!this.ctx.onPart(part.uri, body)) this.mismatches++;
          this.received.push(part);
          last = part;
        }
        if (!listed.hint) return void this.errors.push("playlist without a preload hint");
        next = listed.hint;
      }
    } catch (error) {
      this.errors.push(String(error));
    } finally {
      this.agent.destroy();
    }
  }

  private async playlist(file: string): Promise<ParsedPlaylist | null> {
    const reply = await this.request(file);
    if (!reply) return null;
    const { manifest, warnings } = parseM3u8(reply.text);
    if (warnings.length > 0) {
      this.errors.push(`m3u8-parser: ${warnings.join("; ")}`);
      return null;
    }
    return manifest;
  }

  private async fetch(uri: string): Promise<Buffer | null> {
    return (await this.request(uri))?.body ?? null;
  }

  private async request(file: string): Promise<Reply | null> {
    const url = `${this.ctx.streamBase}${file}`;
    this.ctx.urls.add(url);
    this.requests++;
    const reply = await get(url, { agent: this.agent, timeoutMs: 20_000 });
    const cache = String(reply.headers["x-cache-status"] ?? "none");
    this.ctx.cacheStatus.set(cache, (this.ctx.cacheStatus.get(cache) ?? 0) + 1);
    if (reply.status !== 200) {
      this.errors.push(`${reply.status} ${file}: ${reply.text.trim()}`);
      return null;
    }
    return reply;
  }
}
