import type { Logger } from "pino";
import { cookieValues, serializeCookie } from "./cookies.js";
import { parseResponse, requestUrl } from "./discourse-connect.js";
import { NonceStore } from "./nonce-store.js";
import { checkReturnUrl } from "./return-url.js";
import { SESSION_COOKIE, sessionKey, signSession, verifySession, type Session } from "./session-cookie.js";

/** Holds the browser binding of a sign-in attempt; only /live/auth reads it. */
export const STATE_COOKIE = "live_auth_state";
const AUTH_PATH = "/live/auth";
const SESSION_PATH = "/live";
const bindingValue = /^[A-Za-z0-9_-]{24}$/;
/** Verified session cookies remembered: one per signed-in viewer; beyond it the memo starts over. */
const MAX_VERIFIED = 20_000;

/** What an auth route answers; http/ turns it into a response (never cached). */
export type AuthReply =
  | { kind: "redirect"; location: string; cookies: string[] }
  | { kind: "error"; status: 400 | 403; message: string; cookies: string[] };

export interface DiscourseSignInOptions {
  /** The forum, e.g. https://forum.example.org (the identity provider). */
  discourseUrl: string;
  /** Public base URL of the ingest, e.g. https://live.example.org: the callback is <it>/live/auth/callback. */
  ingestUrl: string;
  secret: string;
  sessionLifetimeS: number;
  logger: Logger;
  nonces?: NonceStore;
  clock?: () => number;
}

/**
 * The ingest's side of DiscourseConnect: /live/auth/login sends the browser to the forum (first with
 * prompt=none, so a viewer already signed in to the forum comes straight back), /live/auth/callback checks
 * the forum's signed answer and sets the session cookie, /live/auth/logout ends it.
 */
export class DiscourseSignIn {
  readonly loginUrl: string;
  private readonly callbackUrl: string;
  private readonly forumOrigin: string;
  private readonly allowedOrigins: string[];
  private readonly key: Buffer;
  private readonly secure: boolean;
  private readonly nonces: NonceStore;
  private readonly clock: () => number;
  private readonly logger: Logger;
  /** Cookie values already verified (only ever valid ones), with their session. */
  private readonly verified = new Map<string, Session>();

  constructor(private readonly options: DiscourseSignInOptions) {
    const ingest = new URL(options.ingestUrl);
    const base = ingest.href.replace(/\/+$/, "");
    this.loginUrl = `${base}${AUTH_PATH}/login`;
    this.callbackUrl = `${base}${AUTH_PATH}/callback`;
    this.forumOrigin = new URL(options.discourseUrl).origin;
    this.allowedOrigins = [this.forumOrigin, ingest.origin];
    this.key = sessionKey(options.secret);
    this.secure = ingest.protocol === "https:";
    this.nonces = options.nonces ?? new NonceStore();
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger.child({ component: "access" });
  }

  /** The signed-in viewer, if the request carries a valid, unexpired session cookie. */
  session(cookieHeader: string | undefined): Session | undefined {
    const now = Math.floor(this.clock() / 1000);
    for (const value of cookieValues(cookieHeader, SESSION_COOKIE)) {
      // A member's player sends the same cookie several times a second: verified once, then looked up.
      const known = this.verified.get(value);
      if (known && known.expiresAt > now) return known;
      const session = verifySession(value, now, this.key);
      if (session) {
        if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
        this.verified.set(value, session);
        return session;
      }
    }
    return undefined;
  }

  /** GET /live/auth/login?return=<url> */
  login(query: string, cookieHeader: string | undefined): AuthReply {
    const raw = new URLSearchParams(query).get("return") ?? "/";
    const returnTo = checkReturnUrl(raw, this.forumOrigin, this.allowedOrigins);
    if (!returnTo) {
      this.logger.warn({ return: raw.slice(0, 200) }, "sign-in refused: return URL outside the forum and the ingest");
      return { kind: "error", status: 400, message: "return must be a page of the forum or of this server", cookies: [] };
    }
    return this.startAttempt(returnTo, true, cookieHeader);
  }

  /** GET /live/auth/callback?sso=...&sig=... */
  callback(query: string, cookieHeader: string | undefined): AuthReply {
    const response = parseResponse(query, this.options.secret);
    if (!response.ok) {
      this.logger.warn({ reason: response.reason }, "sign-in refused: invalid answer from the forum");
      return { kind: "error", status: 403, message: "sign-in failed: invalid answer", cookies: [] };
    }
    const attempt = this.nonces.consume(response.nonce, this.binding(cookieHeader));
    if (!attempt) {
      this.logger.warn("sign-in refused: unknown, expired, reused or foreign nonce");
      return { kind: "error", status: 403, message: "sign-in failed: expired or already used, please try again", cookies: [] };
    }
    if (response.failed) {
      // prompt=none and no forum session: now ask again with the forum's login page.
      if (attempt.promptNone) return this.startAttempt(attempt.returnTo, false, cookieHeader);
      return { kind: "redirect", location: attempt.returnTo, cookies: [this.clearState()] };
    }
    const { user } = response;
    const now = Math.floor(this.clock() / 1000);
    const value = signSession(user, now, this.options.sessionLifetimeS, this.key);
    this.logger.info({ user: user.username, groups: user.groups.length }, "viewer signed in");
    return {
      kind: "redirect",
      location: attempt.returnTo,
      cookies: [
        serializeCookie(SESSION_COOKIE, value, { path: SESSION_PATH, maxAgeS: this.options.sessionLifetimeS, secure: this.secure }),
        this.clearState(),
      ],
    };
  }

  /** GET /live/auth/logout?return=<url>: ends the ingest's session (the forum session stays). */
  logout(query: string): AuthReply {
    const raw = new URLSearchParams(query).get("return") ?? "/";
    const returnTo = checkReturnUrl(raw, this.forumOrigin, this.allowedOrigins);
    const cookies = [serializeCookie(SESSION_COOKIE, "", { path: SESSION_PATH, maxAgeS: 0, secure: this.secure })];
    if (!returnTo) return { kind: "error", status: 400, message: "return must be a page of the forum or of this server", cookies };
    return { kind: "redirect", location: returnTo, cookies };
  }

  private startAttempt(returnTo: string, promptNone: boolean, cookieHeader: string | undefined): AuthReply {
    // Reuse the browser's binding if it has one, so two tabs signing in at once both succeed.
    const binding = this.binding(cookieHeader) ?? NonceStore.newBinding();
    const nonce = this.nonces.issue(binding, { returnTo, promptNone });
    const location = requestUrl(this.options.discourseUrl, { nonce, returnUrl: this.callbackUrl, promptNone }, this.options.secret);
    const state = serializeCookie(STATE_COOKIE, binding, { path: AUTH_PATH, maxAgeS: this.nonces.ttlMs / 1000, secure: this.secure });
    return { kind: "redirect", location, cookies: [state] };
  }

  private binding(cookieHeader: string | undefined): string | undefined {
    return cookieValues(cookieHeader, STATE_COOKIE).find((v) => bindingValue.test(v));
  }

  private clearState(): string {
    return serializeCookie(STATE_COOKIE, "", { path: AUTH_PATH, maxAgeS: 0, secure: this.secure });
  }
}
