import { describe, expect, it } from "vitest";
import { DEFAULT_LABELS, defaultFormatViewers, resolveLabels, safeFormatViewers } from "../../player/src/labels.js";

describe("labels", () => {
  it("has an English default for every visible string", () => {
    expect(Object.keys(DEFAULT_LABELS).sort()).toEqual([
      "ended",
      "error",
      "goLive",
      "groupOnly",
      "live",
      "loading",
      "logIn",
      "membersOnly",
      "offline",
      "play",
      "quality",
      "qualityAuto",
      "qualitySource",
      "reconnecting",
      "seeGroup",
      "unmute",
      "watchReplay",
    ]);
    for (const text of Object.values(DEFAULT_LABELS)) expect(text.trim()).not.toBe("");
    expect(DEFAULT_LABELS.ended).toBe("The show has ended.");
  });

  it("takes the theme's translations and keeps English for missing or blank ones", () => {
    const labels = resolveLabels({ live: "EN DIRECT", offline: "  ", unmute: undefined, play: 3 as unknown as string });
    expect(labels.live).toBe("EN DIRECT");
    expect(labels.offline).toBe(DEFAULT_LABELS.offline);
    expect(labels.unmute).toBe(DEFAULT_LABELS.unmute);
    expect(labels.play).toBe(DEFAULT_LABELS.play);
    expect(resolveLabels(undefined)).toEqual(DEFAULT_LABELS);
    expect(resolveLabels({ ...DEFAULT_LABELS, ended: "Fin" })).not.toBe(DEFAULT_LABELS);
  });

  it("formats viewers with the theme's function, falling back when it fails", () => {
    expect(defaultFormatViewers(1)).toBe("1 watching");
    expect(safeFormatViewers((n) => `${n} spectateurs`, 5)).toBe("5 spectateurs");
    expect(safeFormatViewers(undefined, 2)).toBe("2 watching");
    expect(
      safeFormatViewers(() => {
        throw new Error("missing translation");
      }, 2),
    ).toBe("2 watching");
    expect(safeFormatViewers(() => 7 as unknown as string, 2)).toBe("2 watching");
  });
});
