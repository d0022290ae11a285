// Where a sign-in or sign-out may send the browser back to: only pages of the forum or of the ingest
// itself, so /live/auth/login cannot be used as an open redirect to someone else's site.

const MAX_RETURN_CHARS = 2048;

/**
 * The absolute URL to redirect to, or undefined when `raw` points anywhere but `allowedOrigins`.
 * A path ("/t/show/12") is taken relative to `base` (the forum: the player sends the topic's URL).
 * Protocol-relative ("//evil"), backslashes, credentials and control characters are refused outright,
 * because browsers and URL parsers disagree about them.
 */
export function checkReturnUrl(raw: string, base: string, allowedOrigins: readonly string[]): string | undefined {
  if (raw.length === 0 || raw.length > MAX_RETURN_CHARS) return undefined;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\\\u0000-\u0020\u007f]/.test(raw)) return undefined;
  if (raw.startsWith("//")) return undefined;
  const isPath = raw.startsWith("/");
  if (!isPath && !/^https?:\/\//i.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  if (!allowedOrigins.includes(url.origin)) return undefined;
  return url.href;
}
