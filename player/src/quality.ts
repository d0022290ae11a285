import type { Labels } from "./types.js";

/** One variant of a multivariant playlist: its EXT-X-STREAM-INF, as VHS parsed it. */
export interface Rendition {
  id: string;
  width?: number | undefined;
  height?: number | undefined;
  /** BANDWIDTH of its EXT-X-STREAM-INF, bits per second. */
  bandwidth?: number | undefined;
}

/**
 * A choice in the quality menu. `key` names it across attaches and page loads ("source", "480p"):
 * VHS's rendition ids are URLs that a restart of the ingest may change.
 */
export interface QualityChoice {
  key: string;
  renditionId: string;
  height: number | null;
  bandwidth: number;
  /** The highest bitrate: the performer's own stream, not re-encoded. */
  source: boolean;
}

export const AUTO = "auto";
const STORAGE_KEY = "live-shows-player:quality";

/** Highest bitrate first; the top one is "source", the others by height ("480p"), by kbps without one. */
export function qualityChoices(renditions: readonly Rendition[]): QualityChoice[] {
  const sorted = [...renditions].sort((a, b) => (b.bandwidth ?? 0) - (a.bandwidth ?? 0) || (b.height ?? 0) - (a.height ?? 0));
  const choices: QualityChoice[] = [];
  const taken = new Set<string>();
  sorted.forEach((rendition, index) => {
    const height = rendition.height && rendition.height > 0 ? rendition.height : null;
    const bandwidth = rendition.bandwidth ?? 0;
    const kbps = `${Math.round(bandwidth / 1000)}k`;
    let key = index === 0 ? "source" : height !== null ? `${height}p` : kbps;
    // two variants of one height: the second says its bitrate too
    if (taken.has(key)) key = `${key}-${kbps}`;
    if (taken.has(key)) return;
    taken.add(key);
    choices.push({ key, renditionId: rendition.id, height, bandwidth, source: index === 0 });
  });
  return choices;
}

/** What the menu shows for a choice: "Source", "480p", or "480p · 900 kbps" for a second 480p. */
export function qualityLabel(choice: QualityChoice, labels: Pick<Labels, "qualitySource">): string {
  if (choice.source) return labels.qualitySource;
  const kbps = `${Math.round(choice.bandwidth / 1000)} kbps`;
  if (choice.height === null) return kbps;
  return choice.key === `${choice.height}p` ? choice.key : `${choice.height}p · ${kbps}`;
}

/** The choice to apply: the remembered one if this stream offers it, else automatic. */
export function effectiveChoice(remembered: string | null, choices: readonly QualityChoice[]): QualityChoice | null {
  if (remembered === null || remembered === AUTO) return null;
  return choices.find((choice) => choice.key === remembered) ?? null;
}

/** sessionStorage, or null where the browser refuses it (blocked storage throws on access). */
function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** The viewer's choice in this tab's session ("auto", "source", "480p"...), or null. */
export function loadQualityChoice(storage: Storage | null = sessionStore()): string | null {
  try {
    return storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

export function saveQualityChoice(key: string, storage: Storage | null = sessionStore()): void {
  try {
    storage?.setItem(STORAGE_KEY, key);
  } catch {
    // full or refused storage: the choice lasts until the page is left
  }
}
