// Live status of every stream, fetched once from `${baseUrl}/status.json` and shared by all the
// LIVE badges of a topic list: one request per list render, none when no badge asks.

const TTL_MS = 15_000;
const TIMEOUT_MS = 5_000;

/**
 * @typedef {{ live: boolean, viewers: number | null }} StreamStatus
 * @typedef {Map<string, StreamStatus>} StreamStatuses keyed by stream name
 */

/** @returns {StreamStatus} */
function toStatus(/** @type {any} */ entry) {
  return {
    live: entry?.live === true || entry?.state === "live",
    viewers: typeof entry?.viewers === "number" ? entry.viewers : null,
  };
}

/**
 * Accepts `{ streams: [{ name, live, ... }] }`, a bare array of those, or an object keyed by name.
 *
 * @param {any} body parsed JSON
 * @returns {StreamStatuses}
 */
export function parseStatuses(body) {
  const statuses = new Map();
  const list = Array.isArray(body) ? body : body?.streams;
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (typeof entry?.name === "string") {
        statuses.set(entry.name, toStatus(entry));
      }
    }
  } else if (list && typeof list === "object") {
    for (const [name, entry] of Object.entries(list)) {
      statuses.set(name, toStatus(entry));
    }
  } else if (body && typeof body === "object") {
    for (const [name, entry] of Object.entries(body)) {
      if (entry && typeof entry === "object") {
        statuses.set(name, toStatus(entry));
      }
    }
  }
  return statuses;
}

/**
 * @param {StreamStatuses} statuses
 * @param {string} stream
 */
export function isStreamLive(statuses, stream) {
  return statuses.get(stream)?.live === true;
}

async function fetchStatuses(baseUrl) {
  try {
    const response = await fetch(`${baseUrl}/status.json`, {
      credentials: "omit",
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout?.(TIMEOUT_MS),
    });
    if (!response.ok) {
      return new Map();
    }
    return parseStatuses(await response.json());
  } catch {
    // A badge is decoration: an unreachable ingest means "not live", never an error on the list.
    return new Map();
  }
}

export class StatusCache {
  /** @type {Map<string, { at: number, statuses: Promise<StreamStatuses> }>} */
  #entries = new Map();
  #ttlMs;
  #now;

  constructor({ ttlMs = TTL_MS, now = () => Date.now() } = {}) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /**
   * Concurrent and repeated calls within the TTL share one request (failures are cached too,
   * so an unreachable ingest is not hammered by every list render).
   *
   * @param {string} baseUrl normalised, without trailing slash
   * @returns {Promise<StreamStatuses>}
   */
  get(baseUrl) {
    const entry = this.#entries.get(baseUrl);
    if (entry && this.#now() - entry.at < this.#ttlMs) {
      return entry.statuses;
    }
    const statuses = fetchStatuses(baseUrl);
    this.#entries.set(baseUrl, { at: this.#now(), statuses });
    return statuses;
  }

  clear() {
    this.#entries.clear();
  }
}

export const statusCache = new StatusCache();
