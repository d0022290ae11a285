// Validates and normalises the `ingest_base_url` setting, e.g. "https://chat.example.org/live/".

/**
 * @typedef {{ ok: true, url: string } | { ok: false, problem: "missing" | "invalid" | "insecure" }} IngestBaseUrl
 */

/**
 * @param {unknown} raw the setting value
 * @param {string} pageProtocol the forum page's protocol, e.g. "https:"
 * @returns {IngestBaseUrl} `url` has no trailing slash, so `${url}/status.json` is well formed
 */
export function parseIngestBaseUrl(raw, pageProtocol) {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (!text) {
    return { ok: false, problem: "missing" };
  }
  let url;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: "invalid" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, problem: "invalid" };
  }
  // Paths are appended to the base, so a query, fragment or credentials would end up in the wrong place.
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, problem: "invalid" };
  }
  // Browsers block http media and requests on an https page (mixed content).
  if (url.protocol === "http:" && pageProtocol === "https:") {
    return { ok: false, problem: "insecure" };
  }
  return { ok: true, url: `${url.origin}${url.pathname.replace(/\/+$/, "")}` };
}

// The ingest's rule for public stream names (they become URL path segments): a copy of
// ingest/src/keys/stream-name.ts, kept equal by tests/ingest/structure/shared-contracts.test.ts.
const STREAM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** @param {string} name */
export function isValidStreamName(name) {
  return STREAM_NAME.test(name);
}
