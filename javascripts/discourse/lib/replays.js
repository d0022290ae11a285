// Which recordings of a show's stream are the replays of one topic. Pure: the component fetches the
// stream's recordings.json and the show tag's topic list, this decides.
//
// A recording belongs to a topic when its show
// - started before the next topic with the same show tag was created (a later show is never the replay
//   of an older topic), and
// - started after this topic was created, or up to ALLOWANCE earlier when the show was still going
//   when the topic was created (a topic opened during the show).
// A show that was going on while the next topic was opened appears in both topics.

import { tagName } from "./show-tags";

export const ALLOWANCE_MS = 2 * 60 * 60 * 1000;
/** At most this many replays are offered, newest first. */
export const MAX_REPLAYS = 5;

function time(value) {
  const at = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isNaN(at) ? null : at;
}

/**
 * @param {any} body recordings.json: `{ recordings: [{ id, startedAt, endedAt?, live?, durationS, playlist, download? }] }`
 * @param {{ topicCreatedAt: string, nextTopicCreatedAt?: string | null, allowanceMs?: number, limit?: number }} topic
 * @returns {Array<{ id: string, startedAt: string, endedAt: string, durationS: number, playlist: string, download: string | null }>}
 *   ended recordings only (the show in progress is live, not a replay), newest first
 */
export function replaysForTopic(
  body,
  {
    topicCreatedAt,
    nextTopicCreatedAt = null,
    allowanceMs = ALLOWANCE_MS,
    limit = MAX_REPLAYS,
  }
) {
  const created = time(topicCreatedAt);
  const recordings = body?.recordings;
  if (created === null || !Array.isArray(recordings)) {
    return [];
  }
  const next = time(nextTopicCreatedAt);
  const replays = [];
  for (const r of recordings) {
    const startedAt = time(r?.startedAt);
    const endedAt = time(r?.endedAt);
    if (
      startedAt === null ||
      endedAt === null ||
      r.live === true ||
      typeof r.id !== "string" ||
      typeof r.playlist !== "string"
    ) {
      continue;
    }
    if (next !== null && startedAt >= next) {
      continue;
    }
    const openedDuringShow =
      startedAt >= created - allowanceMs && endedAt >= created;
    if (startedAt < created && !openedDuringShow) {
      continue;
    }
    replays.push({
      at: startedAt,
      id: r.id,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      durationS: Number.isFinite(r.durationS)
        ? r.durationS
        : (endedAt - startedAt) / 1000,
      playlist: r.playlist,
      download: typeof r.download === "string" ? r.download : null,
    });
  }
  replays.sort((a, b) => b.at - a.at);
  // eslint-disable-next-line no-unused-vars -- drops the sort key from what callers get
  return replays.slice(0, limit).map(({ at: _at, ...replay }) => replay);
}

/**
 * When the next topic carrying one of the show's tags was created after `topic`, from core's topic
 * list of the tags, newest first (`/latest.json?order=created&tags[]=…`: one page).
 *
 * @param {any} body `{ topic_list: { topics: [{ id, created_at, tags }], more_topics_url? } }`
 * @param {string[]} tags
 * @param {{ id: number, created_at: string }} topic
 * @returns {string | null | undefined} the ISO date; null when there is no later topic; undefined when
 *   the page does not reach back to this topic (older topics on further pages): then no replay is
 *   offered rather than risk offering a later show
 */
export function nextShowTopicCreatedAt(body, tags, topic) {
  const topics = body?.topic_list?.topics;
  const created = time(topic?.created_at);
  if (!Array.isArray(topics) || created === null) {
    return undefined;
  }
  const wanted = new Set(tags.map((tag) => tag.toLowerCase()));
  let next = null;
  let reachesBack = false;
  for (const other of topics) {
    const at = time(other?.created_at);
    if (at === null) {
      continue;
    }
    if (other.id === topic.id || at <= created) {
      reachesBack = true;
      continue;
    }
    const otherTags = Array.isArray(other.tags)
      ? other.tags.map(tagName).filter(Boolean)
      : null;
    if (
      otherTags &&
      !otherTags.some((name) => wanted.has(name.toLowerCase()))
    ) {
      continue;
    }
    if (next === null || at < next) {
      next = at;
    }
  }
  if (!reachesBack && body.topic_list.more_topics_url) {
    return undefined;
  }
  return next === null ? null : new Date(next).toISOString();
}

/** "1:02:05", "4:07": a replay's length. */
export function formatLength(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return "";
  }
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
