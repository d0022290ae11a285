import Service from "@ember/service";
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
  /** @type {Map<string, { at: number, statuses: Promise<import("../lib/stream-statuses").StreamStatuses> }>} */
  #entries = new Map();

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
}
