// When a show topic's event (discourse-calendar's post event) starts and ends, and what to say
// about it at a given moment. Pure: the component passes the topic, the clock, locale and zone.

// An event without an end time counts as over this long after its start.
export const DEFAULT_DURATION_MS = 2 * 60 * 60 * 1000;

const MINUTE_MS = 60_000;

/**
 * @typedef {{ startsAt: Date, endsAt: Date }} ShowEvent
 * @typedef {"upcoming" | "starting" | "over"} SchedulePhase
 */

function toDate(value) {
  if (
    typeof value !== "string" &&
    typeof value !== "number" &&
    !(value instanceof Date)
  ) {
    return null;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function toEvent(startValue, endValue) {
  const startsAt = toDate(startValue);
  if (!startsAt) {
    return null;
  }
  const endsAt = toDate(endValue);
  return {
    startsAt,
    endsAt:
      endsAt && endsAt > startsAt
        ? endsAt
        : new Date(startsAt.getTime() + DEFAULT_DURATION_MS),
  };
}

function firstPost(topic) {
  // The Topic model's post stream (Ember) or the topic JSON's (raw); only loaded posts are there.
  const posts = topic?.postStream?.posts ?? topic?.post_stream?.posts;
  if (!Array.isArray(posts)) {
    return null;
  }
  return posts.find((post) => post?.post_number === 1) ?? null;
}

/**
 * The event of a show topic, from data already on the page (no request):
 * - current discourse-calendar: the first post's serialized event,
 *   `post.event = { starts_at, ends_at, timezone, ... }` (camelCase when a client model wrapped it);
 * - older versions, and topics whose first post is not loaded (deep links): the topic's
 *   `event_starts_at` / `event_ends_at` (topic view and topic list serializers).
 *
 * @param {any} topic the Topic model (or its JSON)
 * @returns {ShowEvent | null}
 */
export function readShowEvent(topic) {
  const event = firstPost(topic)?.event;
  if (event && typeof event === "object") {
    const found = toEvent(
      event.starts_at ?? event.startsAt,
      event.ends_at ?? event.endsAt
    );
    if (found) {
      return found;
    }
  }
  return toEvent(
    topic?.event_starts_at ?? topic?.eventStartsAt,
    topic?.event_ends_at ?? topic?.eventEndsAt
  );
}

/**
 * @param {ShowEvent} event
 * @param {number} now ms since the epoch
 * @returns {SchedulePhase} upcoming before the start, starting until the end, then over
 */
export function schedulePhase(event, now) {
  if (now < event.startsAt.getTime()) {
    return "upcoming";
  }
  return now < event.endsAt.getTime() ? "starting" : "over";
}

/**
 * Whole units left before the start, rounded up to the minute (so "1 min" shows until the start,
 * never "0 min").
 *
 * @param {number} remainingMs > 0
 * @returns {{ days: number, hours: number, minutes: number }}
 */
export function splitRemaining(remainingMs) {
  const totalMinutes = Math.max(1, Math.ceil(remainingMs / MINUTE_MS));
  return {
    days: Math.floor(totalMinutes / 1440),
    hours: Math.floor((totalMinutes % 1440) / 60),
    minutes: totalMinutes % 60,
  };
}

/**
 * Milliseconds until what the countdown shows changes: the next whole minute of the remaining time,
 * the start, or the end.
 *
 * @param {ShowEvent} event
 * @param {number} now
 * @returns {number | null} null once the event is over (nothing changes any more)
 */
export function msUntilNextChange(event, now) {
  const start = event.startsAt.getTime();
  if (now < start) {
    const remaining = start - now;
    return remaining - (Math.ceil(remaining / MINUTE_MS) - 1) * MINUTE_MS;
  }
  const end = event.endsAt.getTime();
  return now < end ? end - now : null;
}

/**
 * A valid IANA zone to format in: the reader's profile time zone when Intl knows it, else the
 * browser's (undefined).
 *
 * @param {unknown} zone
 * @returns {string | undefined}
 */
export function usableTimeZone(zone) {
  if (typeof zone !== "string" || !zone) {
    return undefined;
  }
  try {
    // eslint-disable-next-line no-new -- constructing it is the check: a RangeError for an unknown zone
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/**
 * The start as the reader reads dates: "Friday 12 December" and "20:00" in en-GB,
 * "Friday, December 12" and "8:00 PM" in en-US.
 *
 * @param {Date} date
 * @param {string | undefined} locale BCP 47, e.g. "en-GB"
 * @param {string | undefined} timeZone IANA, e.g. "Europe/Paris"; undefined: the browser's
 * @returns {{ date: string, time: string }}
 */
export function formatStart(date, locale, timeZone) {
  const options = timeZone ? { timeZone } : {};
  let locales = locale;
  try {
    Intl.DateTimeFormat.supportedLocalesOf(locale ?? []);
  } catch {
    locales = undefined; // a malformed tag: the browser's locale rather than an exception
  }
  return {
    date: new Intl.DateTimeFormat(locales, {
      ...options,
      weekday: "long",
      day: "numeric",
      month: "long",
    }).format(date),
    time: new Intl.DateTimeFormat(locales, {
      ...options,
      timeStyle: "short",
    }).format(date),
  };
}
