import { describe, expect, test } from "vitest";
import {
  DEFAULT_DURATION_MS,
  formatStart,
  msUntilNextChange,
  readShowEvent,
  schedulePhase,
  splitRemaining,
  usableTimeZone,
} from "../../../javascripts/discourse/lib/show-schedule";

const START = "2025-12-12T19:00:00.000Z"; // Friday 12 December, 20:00 in Paris
const END = "2025-12-12T21:30:00.000Z";
const event = { startsAt: new Date(START), endsAt: new Date(END) };
const at = (iso) => new Date(iso).getTime();

describe("readShowEvent", () => {
  const firstPost = (fields) => ({ post_number: 1, id: 40, ...fields });

  test.each([
    ["current: the first post's event in the Topic model's post stream", { postStream: { posts: [firstPost({ event: { id: 40, starts_at: START, ends_at: END, timezone: "Europe/Paris" } })] } }],
    ["current: the first post's event in the topic JSON", { post_stream: { posts: [firstPost({ event: { starts_at: START, ends_at: END } })] } }],
    ["current, wrapped by a client model (camelCase)", { postStream: { posts: [firstPost({ event: { startsAt: START, endsAt: END } })] } }],
    ["previous: the topic's event_starts_at / event_ends_at", { event_starts_at: START, event_ends_at: END }],
    ["previous, first post not loaded (deep link)", { event_starts_at: START, event_ends_at: END, postStream: { posts: [{ post_number: 57 }] } }],
  ])("%s", (_, topic) => {
    expect(readShowEvent(topic)).toEqual(event);
  });

  test("the first post's event wins over the topic's fields", () => {
    const topic = { event_starts_at: "2025-01-01T00:00:00Z", postStream: { posts: [firstPost({ event: { starts_at: START, ends_at: END } })] } };
    expect(readShowEvent(topic)).toEqual(event);
  });

  test("an event on a later post is not the topic's event", () => {
    expect(readShowEvent({ postStream: { posts: [{ post_number: 2, event: { starts_at: START } }] } })).toBeNull();
  });

  test.each([
    ["no end", { event_starts_at: START }],
    ["an end before the start", { event_starts_at: START, event_ends_at: "2025-12-12T18:00:00Z" }],
    ["an unreadable end", { event_starts_at: START, event_ends_at: "soon" }],
  ])("%s: over %s ms after the start", (_, topic) => {
    expect(readShowEvent(topic)).toEqual({ startsAt: new Date(START), endsAt: new Date(at(START) + DEFAULT_DURATION_MS) });
  });

  test.each([
    ["no topic", undefined],
    ["no event", { id: 3, tags: ["show"], postStream: { posts: [firstPost({})] } }],
    ["an event without a start", { postStream: { posts: [firstPost({ event: { ends_at: END } })] } }],
    ["an unreadable start", { event_starts_at: "tomorrow" }],
    ["a start of the wrong type", { event_starts_at: { at: START } }],
    ["a null event (deleted)", { postStream: { posts: [firstPost({ event: null })] } }],
  ])("%s -> null", (_, topic) => {
    expect(readShowEvent(topic)).toBeNull();
  });
});

describe("schedulePhase", () => {
  test.each([
    ["2025-12-12T18:59:59.999Z", "upcoming"],
    [START, "starting"],
    ["2025-12-12T21:29:59.999Z", "starting"],
    [END, "over"],
    ["2026-01-01T00:00:00Z", "over"],
  ])("at %s: %s", (now, phase) => {
    expect(schedulePhase(event, at(now))).toBe(phase);
  });
});

describe("splitRemaining (rounded up to the minute)", () => {
  test.each([
    [1, { days: 0, hours: 0, minutes: 1 }],
    [60_000, { days: 0, hours: 0, minutes: 1 }],
    [60_001, { days: 0, hours: 0, minutes: 2 }],
    [(2 * 60 + 13) * 60_000, { days: 0, hours: 2, minutes: 13 }],
    [(2 * 60 + 12) * 60_000 + 1, { days: 0, hours: 2, minutes: 13 }],
    [24 * 60 * 60_000, { days: 1, hours: 0, minutes: 0 }],
    [(3 * 1440 + 4 * 60 + 5) * 60_000, { days: 3, hours: 4, minutes: 5 }],
  ])("%i ms", (ms, parts) => {
    expect(splitRemaining(ms)).toEqual(parts);
  });
});

describe("msUntilNextChange", () => {
  test.each([
    ["2 h 13 min before, to the second", at(START) - (2 * 60 + 13) * 60_000, 60_000],
    ["30 s into a minute", at(START) - 90_000, 30_000],
    ["the last minute: the start", at(START) - 45_000, 45_000],
    ["1 ms before the start", at(START) - 1, 1],
    ["at the start: the end", at(START), at(END) - at(START)],
  ])("%s", (_, now, delay) => {
    expect(msUntilNextChange(event, now)).toBe(delay);
  });

  test("nothing changes once it is over", () => {
    expect(msUntilNextChange(event, at(END))).toBeNull();
  });
});

describe("formatStart in the reader's time zone and locale", () => {
  test.each([
    ["en-GB", "Europe/Paris", { date: "Friday 12 December", time: "20:00" }],
    ["en-GB", "Europe/London", { date: "Friday 12 December", time: "19:00" }],
    ["en-US", "America/New_York", { date: "Friday, December 12", time: "2:00 PM" }],
    // past midnight in Tokyo: the next day
    ["en-GB", "Asia/Tokyo", { date: "Saturday 13 December", time: "04:00" }],
    ["de", "Europe/Berlin", { date: "Freitag, 12. Dezember", time: "20:00" }],
    ["fr", "Europe/Paris", { date: "vendredi 12 décembre", time: "20:00" }],
  ])("%s, %s", (locale, zone, expected) => {
    expect(formatStart(new Date(START), locale, zone)).toEqual(expected);
  });

  test("a summer start keeps the zone's daylight-saving offset", () => {
    expect(formatStart(new Date("2026-07-03T18:00:00Z"), "en-GB", "Europe/Paris")).toEqual({ date: "Friday 3 July", time: "20:00" });
  });

  test("a malformed locale falls back to the browser's instead of throwing", () => {
    expect(formatStart(new Date(START), "not a locale!", "Europe/Paris").time).toMatch(/20[:.]00|8:00/);
  });
});

describe("usableTimeZone", () => {
  test.each([
    ["Europe/Paris", "Europe/Paris"],
    ["Mars/Olympus", undefined],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ])("%j -> %j", (zone, expected) => {
    expect(usableTimeZone(zone)).toBe(expected);
  });
});
