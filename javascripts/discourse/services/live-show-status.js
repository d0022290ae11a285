import Service from "@ember/service";
import { ajax } from "discourse/lib/ajax";
import { newestShowTopic, showTopicsPath } from "../lib/live-notice";
import { nextShowTopicCreatedAt } from "../lib/replays";
import { fetchStatuses } from "../lib/stream-statuses";

// Status answers are reused this long: a topic list's badges and the site-wide notice of the same
// page share one request, and moving between pages does not ask again at once.
const TTL_MS = 15_000;

/**
 * Live status of the ingest's streams for the whole page (one instance per app, like core's
 * services). Components ask it instead of fetching: concurrent and repeated calls within the TTL
 * share one request; failures are cached too, so an unreachable ingest is not hammered.
 */
export default class LiveShowStatus extends Service {
  ttlMs = TTL_MS;
  now = () => Date.now();
  /** Shows dismissed on this page, for when localStorage is unavailable. */
  dismissed = new Set();
  /** @type {Map<string, { at: number, statuses: Promise<import("../lib/stream-statuses").StreamStatuses> }>} */
  #entries = new Map();
  /** @type {Map<string, Promise<{ id: number, title: string, slug: string } | null>>} */
  #topics = new Map();
  /** @type {Map<number, Promise<string | null>>} */
  #nextTopics = new Map();

  /** @param {string} baseUrl normalised, without trailing slash */
  statuses(baseUrl) {
    const entry = this.#entries.get(baseUrl);
    if (entry && this.now() - entry.at < this.ttlMs) {
      return entry.statuses;
    }
    const statuses = fetchStatuses(baseUrl);
    this.#entries.set(baseUrl, { at: this.now(), statuses });
    return statuses;
  }

  /**
   * The newest topic carrying one of a show's tags: one forum request per show (`showKey`) and page.
   * A failed request is forgotten, so the next refresh asks again.
   *
   * @param {string} showKey
   * @param {string[]} tags
   */
  showTopic(showKey, tags) {
    let topic = this.#topics.get(showKey);
    if (!topic) {
      topic = ajax(showTopicsPath(tags))
        .then((body) => newestShowTopic(body, tags))
        .catch(() => {
          this.#topics.delete(showKey);
          return null;
        });
      this.#topics.set(showKey, topic);
    }
    return topic;
  }

  /**
   * When the next topic with one of the show's tags was created after `topic` (null: none yet), which
   * bounds the topic's replays: one forum request per topic and page. Rejects when it cannot be known
   * (request failed, or the list does not reach back to this topic), so no replay is offered.
   *
   * @param {string[]} tags
   * @param {{ id: number, created_at: string }} topic
   * @returns {Promise<string | null>}
   */
  nextShowTopicAt(tags, topic) {
    let next = this.#nextTopics.get(topic.id);
    if (!next) {
      next = ajax(showTopicsPath(tags)).then((body) => {
        const at = nextShowTopicCreatedAt(body, tags, topic);
        if (at === undefined) {
          throw new Error(
            "the show's topic list does not reach back to this topic"
          );
        }
        return at;
      });
      next.catch(() => this.#nextTopics.delete(topic.id));
      this.#nextTopics.set(topic.id, next);
    }
    return next;
  }
}
