import { describe, expect, it } from "vitest";
import { DEFAULT_LABELS } from "../../player/src/labels.js";
import { effectiveChoice, loadQualityChoice, qualityChoices, qualityLabel, saveQualityChoice } from "../../player/src/quality.js";

const ladder = [
  { id: "2-/live/a/360.m3u8", width: 640, height: 360, bandwidth: 650_000 },
  { id: "0-/live/a/src.m3u8", width: 1280, height: 720, bandwidth: 2_900_000 },
  { id: "1-/live/a/480.m3u8", width: 854, height: 480, bandwidth: 1_100_000 },
];

/** A Storage stand-in; `failing` throws on every call, as browsers do for refused storage. */
function memoryStorage(failing = false): Storage {
  const data = new Map<string, string>();
  const guard = () => {
    if (failing) throw new DOMException("refused", "SecurityError");
  };
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (k) => (guard(), data.get(k) ?? null),
    setItem: (k, v) => (guard(), void data.set(k, v)),
    removeItem: (k) => void data.delete(k),
  };
}

describe("qualityChoices and qualityLabel", () => {
  const label = (renditions: Parameters<typeof qualityChoices>[0]) =>
    qualityChoices(renditions).map((choice) => [choice.key, qualityLabel(choice, DEFAULT_LABELS)]);

  it("lists the highest bitrate first as the source, the others by height", () => {
    expect(label(ladder)).toEqual([
      ["source", "Source"],
      ["480p", "480p"],
      ["360p", "360p"],
    ]);
    expect(qualityChoices(ladder).map((c) => c.renditionId)).toEqual(["0-/live/a/src.m3u8", "1-/live/a/480.m3u8", "2-/live/a/360.m3u8"]);
  });

  it("says the bitrate where the height does not tell renditions apart or is missing", () => {
    expect(
      label([
        { id: "a", height: 720, bandwidth: 3_000_000 },
        { id: "b", height: 480, bandwidth: 1_200_000 },
        { id: "c", height: 480, bandwidth: 800_000 },
        { id: "d", bandwidth: 300_000 },
      ]),
    ).toEqual([
      ["source", "Source"],
      ["480p", "480p"],
      ["480p-800k", "480p · 800 kbps"],
      ["300k", "300 kbps"],
    ]);
  });

  it("takes the theme's word for the source, and has a single choice for a media playlist", () => {
    const [source] = qualityChoices(ladder);
    expect(qualityLabel(source!, { qualitySource: "Original" })).toBe("Original");
    expect(qualityChoices([{ id: "0-index.m3u8" }])).toEqual([
      { key: "source", renditionId: "0-index.m3u8", height: null, bandwidth: 0, source: true },
    ]);
    expect(qualityChoices([])).toEqual([]);
  });
});

describe("the remembered choice", () => {
  it("applies a remembered rendition this stream has, and falls back to automatic otherwise", () => {
    const choices = qualityChoices(ladder);
    expect(effectiveChoice("480p", choices)?.renditionId).toBe("1-/live/a/480.m3u8");
    expect(effectiveChoice("source", choices)?.renditionId).toBe("0-/live/a/src.m3u8");
    expect(effectiveChoice("1080p", choices)).toBeNull();
    expect(effectiveChoice("auto", choices)).toBeNull();
    expect(effectiveChoice(null, choices)).toBeNull();
  });

  it("lasts in the session's storage, and a refused or missing storage is only forgetful", () => {
    const storage = memoryStorage();
    expect(loadQualityChoice(storage)).toBeNull();
    saveQualityChoice("360p", storage);
    expect(loadQualityChoice(storage)).toBe("360p");
    saveQualityChoice("auto", storage);
    expect(loadQualityChoice(storage)).toBe("auto");
    const refused = memoryStorage(true);
    expect(() => saveQualityChoice("360p", refused)).not.toThrow();
    expect(loadQualityChoice(refused)).toBeNull();
    expect(loadQualityChoice(null)).toBeNull();
  });
});
