// The ingest's `${baseUrl}/status.json`, read into what the theme uses. The request is shared by
// every component of a page through the live-show-status service.

const TIMEOUT_MS = 5_000;

/**
 * @typedef {{ live: boolean, viewers: number | null, startedAt: string | null }} StreamStatus
 * @typedef {Map<string, StreamStatus>} StreamStatuses keyed by stream name
 */

/** @returns {StreamStatus} */
function toStatus(/** @type {any} */ entry) {
  return {
    live: entry?.live === true || entry?.state === "live",
    viewers: typeof entry?.viewers === "number" ? entry.viewers : null,
    startedAt: typeof entry?.startedAt === "string" ? entry.startedAt : null,
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

/**
 * @param {string} baseUrl normalised, without trailing slash
 * @returns {Promise<StreamStatuses>} empty when the ingest is unreachable or answers an error
 */
export async function fetchStatuses(baseUrl) {
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
    // Badges and notices are decoration: an unreachable ingest means "not live", never an error.
    return new Map();
  }
}
