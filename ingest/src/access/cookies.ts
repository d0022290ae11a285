// Request Cookie header parsing and Set-Cookie serialising, only as much as the ingest's own cookies need.

const MAX_COOKIE_HEADER = 8192;

/** Every value of cookie `name` in a Cookie header (a browser may send several, from different paths). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header || header.length > MAX_COOKIE_HEADER) return [];
  const values: string[] = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

export interface CookieAttributes {
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAgeS: number;
  secure: boolean;
}

// Values the ingest sets are base64url and '.', so they never need quoting or escaping.
const cookieValue = /^[A-Za-z0-9_.-]*$/;

/** A Set-Cookie value: HttpOnly (no script reads it) and SameSite=Lax (sent on top-level navigation and same-site requests only). */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!cookieValue.test(value)) throw new Error(`cookie ${name}: value outside base64url`);
  const parts = [
    `${name}=${value}`,
    `Path=${attributes.path}`,
    `Max-Age=${Math.max(0, Math.floor(attributes.maxAgeS))}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (attributes.secure) parts.push("Secure");
  return parts.join("; ");
}
