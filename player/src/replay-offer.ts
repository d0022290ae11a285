// Which replays to offer once a show has ended: recordings.json read with the theme's selection.
import type { ReplayChoice } from "./types.js";

export interface OfferedReplay extends ReplayChoice {
  /** Absolute URL of its VOD playlist. */
  url: string;
  text: string;
}

export function recordingsUrl(baseUrl: string, stream: string, documentBase: string): string {
  const base = new URL(`${baseUrl.replace(/\/+$/, "")}/`, documentBase);
  return new URL(`${encodeURIComponent(stream)}/recordings.json`, base).href;
}

/** "3 Dec 2026, 20:00 · 1:02:05" in the reader's locale. */
export function defaultFormatReplay(replay: ReplayChoice): string {
  const at = new Date(replay.startedAt);
  const when = Number.isNaN(at.getTime()) ? "" : at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  return [when, formatLength(replay.durationS)].filter(Boolean).join(" · ");
}

export function formatLength(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/**
 * The replays to offer: the theme's selection of recordings.json, each with its playlist URL resolved
 * against the JSON's own URL and its button text. A failing request or selection offers nothing.
 */
export async function fetchReplays(
  url: string,
  select: (recordings: unknown) => ReplayChoice[] | Promise<ReplayChoice[]>,
  format: ((replay: ReplayChoice) => string) | undefined,
  signal: AbortSignal,
  /** A members-only stream: recordings.json needs the viewer's session cookie. */
  withCredentials = false,
): Promise<OfferedReplay[]> {
  const response = await fetch(url, { credentials: withCredentials ? "include" : "omit", signal });
  if (!response.ok) return [];
  const chosen = await select(await response.json());
  if (!Array.isArray(chosen)) return [];
  const offered: OfferedReplay[] = [];
  for (const replay of chosen) {
    if (typeof replay?.playlist !== "string" || typeof replay.id !== "string") continue;
    let text = "";
    try {
      text = format ? String(format(replay)) : defaultFormatReplay(replay);
    } catch {
      text = defaultFormatReplay(replay);
    }
    offered.push({ ...replay, url: new URL(replay.playlist, url).href, text });
  }
  return offered;
}
