import { describe, expect, it } from "vitest";
import { selectForDeletion, type RetentionCandidate } from "../../../ingest/src/recording/retention.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3);

function rec(id: string, startedDaysAgo: number, bytes: number, live = false): RetentionCandidate {
  const startedAt = NOW - startedDaysAgo * DAY;
  return { stream: "show", id, startedAt, endedAt: live ? null : startedAt + 3_600_000, bytes };
}

describe("selectForDeletion", () => {
  const a = rec("a", 40, 100);
  const b = rec("b", 20, 100);
  const c = rec("c", 10, 100);
  const live = rec("live", 0, 500, true);

  const cases: Array<{ name: string; recordings: RetentionCandidate[]; maxAgeDays: number; maxBytes: number; expected: string[] }> = [
    { name: "nothing to do", recordings: [a, b, c], maxAgeDays: 60, maxBytes: 1000, expected: [] },
    { name: "age only", recordings: [a, b, c], maxAgeDays: 30, maxBytes: 0, expected: ["a"] },
    { name: "size: oldest first until it fits", recordings: [c, b, a], maxAgeDays: 0, maxBytes: 150, expected: ["a", "b"] },
    { name: "size exactly at the limit keeps everything", recordings: [a, b, c], maxAgeDays: 0, maxBytes: 300, expected: [] },
    { name: "age and size together", recordings: [a, b, c], maxAgeDays: 30, maxBytes: 100, expected: ["a", "b"] },
    {
      name: "the recording in progress is never deleted, even alone over the limit",
      recordings: [live],
      maxAgeDays: 1,
      maxBytes: 10,
      expected: [],
    },
    { name: "the live one counts toward the total", recordings: [a, b, c, live], maxAgeDays: 0, maxBytes: 650, expected: ["a", "b"] },
    { name: "no limits", recordings: [a, b, c, live], maxAgeDays: 0, maxBytes: 0, expected: [] },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const chosen = selectForDeletion(t.recordings, { maxAgeMs: t.maxAgeDays * DAY, maxBytes: t.maxBytes }, NOW);
      expect(chosen.map((r) => r.id)).toEqual(t.expected);
    });
  }

  it("age counts from the end of the recording", () => {
    const justEnded = { stream: "show", id: "x", startedAt: NOW - 31 * DAY, endedAt: NOW - 29 * DAY, bytes: 1 };
    expect(selectForDeletion([justEnded], { maxAgeMs: 30 * DAY, maxBytes: 0 }, NOW)).toEqual([]);
  });
});
