import { createRequire } from "node:module";

// m3u8-parser is the parser VHS itself uses; it ships no types, so only the fields read here are typed.
interface RawPart {
  uri: string;
  duration: number;
  independent?: boolean;
}
interface RawSegment {
  uri: string;
  duration: number;
  parts?: RawPart[];
  programDateTime?: number;
  dateTimeObject?: Date;
}
interface RawManifest {
  mediaSequence?: number;
  targetDuration?: number;
  partTargetDuration?: number;
  endList?: boolean;
  segments: RawSegment[];
  preloadSegment?: { parts?: RawPart[]; dateTimeObject?: Date };
  skip?: { skippedSegments: number };
  serverControl?: { canBlockReload?: boolean; canSkipUntil?: number; partHoldBack?: number };
}
const { Parser } = createRequire(import.meta.url)("m3u8-parser") as {
  Parser: new () => { push(s: string): void; end(): void; manifest: RawManifest };
};

export interface PartRef {
  /** msn * 1000 + part index: one number orders and identifies a part */
  key: number;
  /** path and query on the playlist's origin, what the viewer's connection requests */
  path: string;
  /** wall-clock ms of the end of the part's media (EXT-X-PROGRAM-DATE-TIME + offset), NaN without PDT */
  mediaEnd: number;
}

export interface SegmentRef {
  msn: number;
  path: string;
}

export interface PlaylistView {
  targetDuration: number;
  partTarget: number;
  canBlockReload: boolean;
  canSkip: boolean;
  partHoldBack: number;
  /** every part listed, oldest first */
  parts: PartRef[];
  segments: SegmentRef[];
  /** VHS's wait after a playlist that changed: the last part of the last whole segment (else that segment), in s */
  lastPartDuration: number;
  /** the part to ask for next with _HLS_msn/_HLS_part */
  next: { msn: number; part: number };
  initPath: string | undefined;
}

export const partKey = (msn: number, part: number) => msn * 1000 + part;

export function parsePlaylist(text: string, playlistUrl: string): PlaylistView {
  const p = new Parser();
  p.push(text);
  p.end();
  const m = p.manifest;
  const firstMsn = (m.mediaSequence ?? 0) + (m.skip?.skippedSegments ?? 0);
  const parts: PartRef[] = [];
  const segments: SegmentRef[] = [];
  // Resolved once per distinct playlist (see PlaylistCache), not once per request.
  const onOrigin = (uri: string) => {
    const resolved = new URL(uri, playlistUrl);
    return resolved.pathname + resolved.search;
  };
  const addParts = (msn: number, list: RawPart[] | undefined, start: number) => {
    let t = start;
    (list ?? []).forEach((part, i) => {
      t += part.duration * 1000;
      parts.push({ key: partKey(msn, i), path: onOrigin(part.uri), mediaEnd: t });
    });
  };
  m.segments.forEach((seg, i) => {
    segments.push({ msn: firstMsn + i, path: onOrigin(seg.uri) });
    addParts(firstMsn + i, seg.parts, seg.programDateTime ?? NaN);
  });
  const last = m.segments.at(-1);
  const preloadMsn = firstMsn + m.segments.length;
  const preloadPdt = m.preloadSegment?.dateTimeObject?.getTime() ?? (last?.programDateTime ?? NaN) + (last?.duration ?? 0) * 1000;
  addParts(preloadMsn, m.preloadSegment?.parts, preloadPdt);
  // After the last listed part comes the next part of the in-progress segment (part 0 of a new one if none is listed).
  const next = { msn: preloadMsn, part: m.preloadSegment?.parts?.length ?? 0 };
  const mapUri = (m.segments[0] as { map?: { uri: string } } | undefined)?.map?.uri;
  return {
    targetDuration: m.targetDuration ?? 2,
    partTarget: m.partTargetDuration ?? 0,
    canBlockReload: m.serverControl?.canBlockReload === true,
    canSkip: (m.serverControl?.canSkipUntil ?? 0) > 0,
    partHoldBack: m.serverControl?.partHoldBack ?? 0,
    lastPartDuration: last?.parts?.at(-1)?.duration || last?.duration || 0,
    parts,
    segments,
    next,
    initPath: mapUri ? onOrigin(mapUri) : undefined,
  };
}

/** Many viewers receive byte-identical playlists: parse each distinct body once (bounded). */
export class PlaylistCache {
  private readonly map = new Map<string, PlaylistView>();

  constructor(
    private readonly playlistUrl: string,
    private readonly max = 64,
  ) {}

  get(text: string): PlaylistView {
    let v = this.map.get(text);
    if (!v) {
      v = parsePlaylist(text, this.playlistUrl);
      this.map.set(text, v);
      if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    }
    return v;
  }
}
