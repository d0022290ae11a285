import { describe, expect, test } from "vitest";
import { ALLOWANCE_MS, formatLength, nextShowTopicCreatedAt, replaysForTopic } from "../../../javascripts/discourse/lib/replays";

const H = 3_600_000;
const T = Date.parse("2026-12-01T18:00:00Z"); // this topic's creation
const iso = (ms) => new Date(ms).toISOString();

function rec(id, startMs, lengthMs = H, extra = {}) {
  return { id, startedAt: iso(startMs), endedAt: iso(startMs + lengthMs), durationS: lengthMs / 1000, bytes: 1, playlist: `recordings/${id}/index.m3u8`, download: `recordings/${id}/recording.mp4`, ...extra };
}

const ids = (list) => list.map((r) => r.id);

describe("replaysForTopic", () => {
  const next = iso(T + 7 * 24 * H);
  const cases = [
    ["a show after the topic was created", [rec("a", T + 2 * H)], ["a"]],
    ["a show starting exactly when the topic was created", [rec("a", T)], ["a"]],
    ["a topic opened during the show (show started 1 h 59 min earlier, still going)", [rec("a", T - 2 * H + 60_000, 3 * H)], ["a"]],
    ["a show started just past the allowance, still going", [rec("a", T - 2 * H - 1, 3 * H)], []],
    ["a show that had ended before the topic was created (within the allowance)", [rec("a", T - H, 30 * 60_000)], []],
    ["a show ending exactly when the topic was created", [rec("a", T - H, H)], ["a"]],
    ["a show starting exactly when the next topic was created belongs to the next topic", [rec("a", T + 7 * 24 * H)], []],
    ["a show starting 1 ms before the next topic was created is still this topic's", [rec("a", T + 7 * 24 * H - 1)], ["a"]],
    ["the show in progress is not a replay", [rec("a", T + H, H, { live: true, endedAt: undefined })], []],
    ["newest first, several shows", [rec("a", T + H), rec("c", T + 5 * H), rec("b", T + 3 * H)], ["c", "b", "a"]],
  ];
  for (const [name, recordings, expected] of cases) {
    test(name, () => {
      expect(ids(replaysForTopic({ recordings }, { topicCreatedAt: iso(T), nextTopicCreatedAt: next }))).toEqual(expected);
    });
  }

  test("without a next topic every later show belongs to the newest topic", () => {
    expect(ids(replaysForTopic({ recordings: [rec("a", T + 300 * 24 * H)] }, { topicCreatedAt: iso(T) }))).toEqual(["a"]);
  });

  test("a later show of the same stream never appears in an older topic", () => {
    const older = iso(T - 7 * 24 * H);
    expect(ids(replaysForTopic({ recordings: [rec("a", T + H)] }, { topicCreatedAt: older, nextTopicCreatedAt: iso(T) }))).toEqual([]);
  });

  test("a show going on while the next topic was opened appears in both topics", () => {
    const nextAt = T + 24 * H;
    const show = rec("a", nextAt - H, 2 * H);
    expect(ids(replaysForTopic({ recordings: [show] }, { topicCreatedAt: iso(T), nextTopicCreatedAt: iso(nextAt) }))).toEqual(["a"]);
    expect(ids(replaysForTopic({ recordings: [show] }, { topicCreatedAt: iso(nextAt) }))).toEqual(["a"]);
  });

  test("a short list: at most five, the newest", () => {
    const recordings = Array.from({ length: 8 }, (_, i) => rec(`r${i}`, T + i * H));
    expect(ids(replaysForTopic({ recordings }, { topicCreatedAt: iso(T) }))).toEqual(["r7", "r6", "r5", "r4", "r3"]);
  });

  test("keeps what the player needs and tolerates junk", () => {
    const body = { recordings: [null, { id: 5 }, { ...rec("bad", T + H), startedAt: "yesterday" }, { ...rec("x", T + H), download: undefined }] };
    expect(replaysForTopic(body, { topicCreatedAt: iso(T) })).toEqual([
      { id: "x", startedAt: iso(T + H), endedAt: iso(T + 2 * H), durationS: 3600, playlist: "recordings/x/index.m3u8", download: null },
    ]);
    expect(replaysForTopic(undefined, { topicCreatedAt: iso(T) })).toEqual([]);
    expect(replaysForTopic({ recordings: [rec("a", T)] }, { topicCreatedAt: "not a date" })).toEqual([]);
    expect(ALLOWANCE_MS).toBe(2 * H);
  });
});

describe("nextShowTopicCreatedAt", () => {
  const topic = (id, createdMs, tags = ["concert"]) => ({ id, created_at: iso(createdMs), tags });
  const me = topic(10, T);

  test("the earliest topic with the tag created after this one", () => {
    const body = { topic_list: { topics: [topic(30, T + 14 * 24 * H), topic(20, T + 7 * 24 * H), me, topic(5, T - 7 * 24 * H)] } };
    expect(nextShowTopicCreatedAt(body, ["concert"], me)).toBe(iso(T + 7 * 24 * H));
  });

  test("ignores other tags, this topic and older topics; null when there is no later one", () => {
    const body = { topic_list: { topics: [topic(20, T + H, ["other"]), me, topic(5, T - H)] } };
    expect(nextShowTopicCreatedAt(body, ["Concert"], me)).toBeNull();
    expect(nextShowTopicCreatedAt({ topic_list: { topics: [topic(21, T + H, [{ name: "concert" }])] } }, ["concert"], me)).toBe(iso(T + H));
    expect(nextShowTopicCreatedAt({}, ["concert"], me)).toBeUndefined();
  });

  test("unknown when the page does not reach back to this topic and more pages exist", () => {
    const newer = { topic_list: { topics: [topic(30, T + 14 * 24 * H), topic(20, T + 7 * 24 * H)], more_topics_url: "/latest?page=1" } };
    expect(nextShowTopicCreatedAt(newer, ["concert"], me)).toBeUndefined();
    expect(nextShowTopicCreatedAt({ topic_list: { topics: newer.topic_list.topics } }, ["concert"], me)).toBe(iso(T + 7 * 24 * H));
  });
});

describe("formatLength", () => {
  test.each([
    [0, "0:00"],
    [65.4, "1:05"],
    [3600, "1:00:00"],
    [3725, "1:02:05"],
    [NaN, ""],
  ])("%s s", (seconds, text) => {
    expect(formatLength(seconds)).toBe(text);
  });
});
