// Who may see what under /live: asked by the HTTP server before every /live route (CORS preflights
// excepted: browsers send them without credentials). Today everything is public (allowEveryone);
// members-only shows plug a policy in here (e.g. a DiscourseConnect session check).
import type { IncomingMessage } from "node:http";

/** What a /live request asks for. */
export type LiveResourceKind =
  | "playlist" // <stream>/index.m3u8 (and the <stream>.m3u8 redirect)
  | "init"
  | "part"
  | "segment"
  | "status" // <stream>/status.json, or status.json of every stream (stream null)
  | "viewers" // POST <stream>/viewers heartbeat
  | "recordings" // <stream>/recordings.json
  | "recording" // a recording's playlist, media or MP4 download
  | "preview" // the preview page /live/ (stream null)
  | "script" // player.js, preview.js (stream null)
  | "auth"; // /live/auth/login|callback|logout, viewers' sign-in (stream null)

export interface AccessRequest {
  /** The request as received (headers, cookies, remote address); read it, do not consume its body. */
  request: IncomingMessage;
  /** The stream the request is about; null for routes about no single stream. */
  stream: string | null;
  resource: LiveResourceKind;
}

export type AccessDecision =
  /** `private`: the answer is for this viewer only (a members-only stream): no shared cache may store it. */
  | { allow: true; private?: boolean }
  /** Answered with this status and `body` as JSON (never cached), instead of the route. */
  | { allow: false; status: number; body: Record<string, unknown> };

export type AccessPolicy = (request: AccessRequest) => AccessDecision | Promise<AccessDecision>;

/** The default: every /live resource is public. */
export const allowEveryone: AccessPolicy = () => ({ allow: true });
