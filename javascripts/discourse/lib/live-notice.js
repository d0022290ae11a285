// The pieces of the site-wide "Live now" notice that need no Ember: which topic is the show's,
// and which shows the reader dismissed.

import { tagName } from "./show-tags";

const STORAGE_KEY = "live-shows-dismissed";
// Older dismissals are forgotten: a show is only live for a few hours.
const REMEMBERED = 20;

/**
 * Core's topic list path for the newest topics carrying any of the tags (TopicQuery: `tags`
 * matches any of them, `order=created` newest first). Read with core's ajax, so the forum's
 * subfolder and session apply.
 *
 * @param {string[]} tags
 */
export function showTopicsPath(tags) {
  const query = new URLSearchParams({ order: "created" });
  for (const tag of tags) {
    query.append("tags[]", tag);
  }
  return `/latest.json?${query}`;
}

/**
 * The newest topic of a topic list answer that carries one of the tags (pinned topics may come
 * first in core's lists, so the creation date decides, not the position).
 *
 * @param {any} body `{ topic_list: { topics: [{ id, title, slug, created_at, tags }] } }`
 * @param {string[]} tags
 * @returns {{ id: number, title: string, slug: string } | null}
 */
export function newestShowTopic(body, tags) {
  const topics = body?.topic_list?.topics;
  if (!Array.isArray(topics)) {
    return null;
  }
  const wanted = new Set(tags.map((tag) => tag.toLowerCase()));
  let newest = null;
  let newestAt = -Infinity;
  for (const topic of topics) {
    if (
      !Number.isInteger(topic?.id) ||
      typeof topic.title !== "string" ||
      typeof topic.slug !== "string"
    ) {
      continue;
    }
    // Lists without tags (tagging hidden from the reader) are trusted to be filtered by the server.
    const topicTags = Array.isArray(topic.tags)
      ? topic.tags.map(tagName).filter(Boolean)
      : null;
    if (
      topicTags &&
      !topicTags.some((name) => wanted.has(name.toLowerCase()))
    ) {
      continue;
    }
    const at = Date.parse(topic.created_at);
    if (newest === null || at > newestAt) {
      newest = { id: topic.id, title: topic.title, slug: topic.slug };
      newestAt = Number.isNaN(at) ? -Infinity : at;
    }
  }
  return newest;
}

/**
 * One show = one stream's run: a new show of the same stream (a new startedAt) is a new notice.
 *
 * @param {string} stream
 * @param {string | null} startedAt
 */
export function showKey(stream, startedAt) {
  return startedAt ? `${stream}@${startedAt}` : stream;
}

function readKeys(storage) {
  try {
    const keys = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(keys)
      ? keys.filter((key) => typeof key === "string")
      : [];
  } catch {
    return [];
  }
}

/**
 * @param {Storage | undefined} storage localStorage; unavailable (private mode, blocked) reads as none
 * @param {string} key
 */
export function isDismissed(storage, key) {
  return readKeys(storage).includes(key);
}

/**
 * @param {Storage | undefined} storage
 * @param {string} key
 */
export function rememberDismissed(storage, key) {
  const keys = [
    ...readKeys(storage).filter((known) => known !== key),
    key,
  ].slice(-REMEMBERED);
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(keys));
  } catch {
    // Storage full or blocked: the notice stays away until the page is reloaded.
  }
}
