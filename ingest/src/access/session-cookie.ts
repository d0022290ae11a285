import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { ForumUser } from "./discourse-connect.js";

// The viewer's session: `<base64url(JSON)>.<base64url(HMAC-SHA256)>`, signed with a key derived from the
// DiscourseConnect secret (a new secret ends every session). It carries the forum user's id, name and
// groups as they were at sign-in, and when it expires.

export const SESSION_COOKIE = "live_session";

/** Groups kept in a session: bounds the cookie (Discourse group names are at most 60 characters). */
export const MAX_SESSION_GROUPS = 50;
const MAX_COOKIE_CHARS = 4000;

const sessionSchema = z.strictObject({
  v: z.literal(1),
  sub: z.string().min(1).max(200),
  u: z.string().min(1).max(200),
  g: z.array(z.string().max(60)).max(MAX_SESSION_GROUPS),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().nonnegative(),
});

export interface Session extends ForumUser {
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export function sessionKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("live-shows session cookie v1", "utf8").digest();
}

export function signSession(user: ForumUser, issuedAtS: number, lifetimeS: number, key: Buffer): string {
  const body = {
    v: 1,
    sub: user.externalId,
    u: user.username,
    g: user.groups.slice(0, MAX_SESSION_GROUPS),
    iat: issuedAtS,
    exp: issuedAtS + lifetimeS,
  };
  const payload = Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
  return `${payload}.${mac(payload, key)}`;
}

/** The session in a cookie value, or undefined if it is forged, tampered with, malformed or expired. */
export function verifySession(value: string, nowS: number, key: Buffer): Session | undefined {
  if (value.length > MAX_COOKIE_CHARS) return undefined;
  const dot = value.indexOf(".");
  if (dot <= 0 || dot !== value.lastIndexOf(".")) return undefined;
  const payload = value.slice(0, dot);
  // Compared as text: base64url decoding ignores the spare bits of the last character.
  const given = Buffer.from(value.slice(dot + 1), "latin1");
  const expected = Buffer.from(mac(payload, key), "latin1");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = sessionSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const s = parsed.data;
  // A session from the future (clock moved back a lot) is as suspicious as an expired one.
  if (s.exp <= nowS || s.iat > nowS + 300) return undefined;
  return { externalId: s.sub, username: s.u, groups: s.g, issuedAt: s.iat, expiresAt: s.exp };
}

function mac(payload: string, key: Buffer): string {
  return createHmac("sha256", key).update(payload, "utf8").digest("base64url");
}
