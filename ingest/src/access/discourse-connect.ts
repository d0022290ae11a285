import { createHmac, timingSafeEqual } from "node:crypto";

// DiscourseConnect with the forum as identity provider (Discourse: lib/discourse_connect_base.rb,
// lib/discourse_connect_provider.rb, SessionController#sso_provider). Both directions carry
//   sso = base64(url-encoded query)   sig = hex(HMAC-SHA256(secret, sso))
// The ingest sends nonce + return_sso_url (+ prompt=none); the forum answers on return_sso_url with
// nonce, external_id, username, groups (comma separated), ... or, for prompt=none without a forum
// session, failed=true.

/** Longest `sso` value accepted: a user with every field and 100 groups stays far below it. */
export const MAX_PAYLOAD_CHARS = 16_384;

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const hexSig = /^[0-9a-f]{64}$/;

export class PayloadError extends Error {
  override readonly name = "PayloadError";
}

/** base64 of the url-encoded fields (Discourse: strict_encode64 of Rack's build_query). */
export function encodePayload(fields: Readonly<Record<string, string>>): string {
  return Buffer.from(new URLSearchParams(fields).toString(), "utf8").toString("base64");
}

/** The fields of a payload; PayloadError for anything but canonical base64 of a query without repeated keys. */
export function decodePayload(payload: string): Map<string, string> {
  if (payload.length === 0 || payload.length > MAX_PAYLOAD_CHARS || !base64.test(payload)) {
    throw new PayloadError("payload is not base64");
  }
  const text = Buffer.from(payload, "base64").toString("utf8");
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (fields.has(key)) throw new PayloadError(`payload repeats "${key}"`);
    fields.set(key, value);
  }
  return fields;
}

/** Lower-case hex HMAC-SHA256 of the base64 payload (Discourse signs the base64 text, before URL escaping). */
export function signPayload(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload, "utf8").digest("hex");
}

/** Constant-time comparison of `sig` with the payload's signature. */
export function verifySignature(payload: string, sig: string, secret: string): boolean {
  if (!hexSig.test(sig)) return false;
  return timingSafeEqual(Buffer.from(signPayload(payload, secret), "hex"), Buffer.from(sig, "hex"));
}

export interface ConnectRequest {
  nonce: string;
  /** Absolute URL of the ingest's callback: the forum redirects there and only there. */
  returnUrl: string;
  /** Ask the forum not to show its login page: without a forum session it answers failed=true at once. */
  promptNone: boolean;
}

/** `<forum>/session/sso_provider?sso=...&sig=...` for a sign-in request. */
export function requestUrl(discourseUrl: string, request: ConnectRequest, secret: string): string {
  const fields: Record<string, string> = { nonce: request.nonce, return_sso_url: request.returnUrl };
  if (request.promptNone) fields.prompt = "none";
  const sso = encodePayload(fields);
  const url = new URL("session/sso_provider", withTrailingSlash(discourseUrl));
  url.search = new URLSearchParams({ sso, sig: signPayload(sso, secret) }).toString();
  return url.href;
}

export interface ForumUser {
  externalId: string;
  username: string;
  /** Lower-cased names of every group the user is in (Discourse includes automatic groups like trust_level_1). */
  groups: string[];
}

export type ConnectResponse =
  | { ok: true; nonce: string; failed: true }
  | { ok: true; nonce: string; failed: false; user: ForumUser }
  | { ok: false; reason: string };

/** Verifies and reads the forum's answer: the raw query string of the callback (`sso=...&sig=...`). */
export function parseResponse(query: string, secret: string): ConnectResponse {
  const params = new URLSearchParams(query);
  const sso = params.get("sso");
  const sig = params.get("sig");
  if (sso === null || sig === null) return { ok: false, reason: "sso or sig missing" };
  if (!verifySignature(sso, sig, secret)) return { ok: false, reason: "bad signature" };
  let fields: Map<string, string>;
  try {
    fields = decodePayload(sso);
  } catch (error) {
    return { ok: false, reason: (error as PayloadError).message };
  }
  const nonce = fields.get("nonce");
  if (!nonce) return { ok: false, reason: "nonce missing" };
  if (fields.get("failed") === "true") return { ok: true, nonce, failed: true };
  const externalId = fields.get("external_id");
  const username = fields.get("username");
  if (!externalId || !username) return { ok: false, reason: "external_id or username missing" };
  return { ok: true, nonce, failed: false, user: { externalId, username, groups: parseGroups(fields.get("groups") ?? "") } };
}

export function parseGroups(list: string): string[] {
  return [
    ...new Set(
      list
        .split(",")
        .map((g) => g.trim().toLowerCase())
        .filter((g) => g.length > 0),
    ),
  ];
}

function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
