import type { Labels } from "./types.js";

export const DEFAULT_LABELS: Readonly<Labels> = Object.freeze({
  loading: "Loading the show…",
  offline: "The show hasn't started yet. It will start here by itself.",
  live: "LIVE",
  reconnecting: "The performer's connection dropped. Reconnecting…",
  ended: "The show has ended.",
  error: "Can't reach the stream right now. Retrying…",
  unmute: "Tap to unmute",
  goLive: "Go live",
  play: "Play",
  watchReplay: "Watch the replay",
  membersOnly: "Members only — log in to watch",
  logIn: "Log in",
  groupOnly: "This show is for members of %{group}",
  seeGroup: "See the group",
  quality: "Quality",
  qualityAuto: "Auto",
  qualitySource: "Source",
});

/** Defaults overridden by every non-empty string the theme passes (missing/blank translations keep English). */
export function resolveLabels(overrides: Partial<Labels> | undefined): Labels {
  const labels: Labels = { ...DEFAULT_LABELS };
  if (!overrides) return labels;
  for (const key of Object.keys(DEFAULT_LABELS) as (keyof Labels)[]) {
    const value: unknown = overrides[key];
    if (typeof value === "string" && value.trim() !== "") labels[key] = value;
  }
  return labels;
}

export function defaultFormatViewers(count: number): string {
  return `${count} watching`;
}

/** The theme's formatter, guarded: a throwing or non-string formatter falls back to the default text. */
export function safeFormatViewers(format: ((count: number) => string) | undefined, count: number): string {
  if (format) {
    try {
      const text: unknown = format(count);
      if (typeof text === "string") return text;
    } catch {
      // fall through to the default wording
    }
  }
  return defaultFormatViewers(count);
}
