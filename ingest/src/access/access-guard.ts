import type { Logger } from "pino";
import { decideAccess, formatAccessMode, isProtected, type AccessMode } from "./access-mode.js";
import type { AccessDecision, AccessPolicy, LiveResourceKind } from "./access-policy.js";
import type { DiscourseSignIn } from "./sign-in.js";

const PUBLIC_ALLOWED: AccessDecision = { allow: true };
const MEMBER_ALLOWED: AccessDecision = { allow: true, private: true };

/**
 * What stays public whatever a stream's access mode: its status JSON (players poll it before signing in),
 * the preview page and scripts, the sign-in routes. Every other kind naming a stream (media, heartbeats,
 * recordings, and any kind added later) needs a session.
 */
const OPEN_KINDS: ReadonlySet<LiveResourceKind> = new Set(["status", "preview", "script", "auth"]);

export interface AccessGuardOptions {
  modeOf(stream: string): AccessMode;
  /** Absent when --discourse-url is not set: then no stream can be protected (503). */
  signIn: DiscourseSignIn | undefined;
  discourseUrl: string | undefined;
  allowOrigin: string;
  logger: Logger;
}

/**
 * Decides whether a request may read a stream's media: public streams always; protected ones with a valid
 * session of a member (of one of the groups). A protected stream the ingest cannot protect properly (no
 * DiscourseConnect configured, or `--allow-origin *`, with which browsers never send the cookie) serves
 * nothing: 503 and one log line, rather than falling back to public.
 */
export class AccessGuard {
  private readonly misconfigured: string | undefined;
  private readonly reported = new Set<string>();

  constructor(private readonly options: AccessGuardOptions) {
    this.misconfigured = misconfiguration(options);
  }

  /** The access mode as status JSON shows it: "public", "members" or "groups". */
  describe(stream: string): AccessMode["kind"] {
    return this.options.modeOf(stream).kind;
  }

  /** The HTTP server's access hook. */
  readonly policy: AccessPolicy = ({ request, stream, resource }) => {
    if (stream === null || OPEN_KINDS.has(resource)) return PUBLIC_ALLOWED;
    return this.check(stream, request.headers.cookie);
  };

  /** Whether a request with this Cookie header may read the media of `stream`. */
  check(stream: string, cookieHeader: string | undefined): AccessDecision {
    const mode = this.options.modeOf(stream);
    if (!isProtected(mode)) return PUBLIC_ALLOWED;
    const { signIn } = this.options;
    if (this.misconfigured || !signIn) {
      const key = `${stream} ${formatAccessMode(mode)}`;
      if (!this.reported.has(key)) {
        this.reported.add(key);
        this.options.logger.error(
          { stream, access: formatAccessMode(mode), problem: this.misconfigured },
          "protected stream not served: fix the configuration",
        );
      }
      return {
        allow: false,
        status: 503,
        body: { error: "this stream is members-only but the server is not set up for sign-in", access: mode.kind },
      };
    }
    const session = signIn.session(cookieHeader);
    const decision = decideAccess(mode, session);
    if (decision === "allow") return MEMBER_ALLOWED;
    if (decision === "login") {
      return { allow: false, status: 401, body: { error: "sign-in required", access: mode.kind, login: signIn.loginUrl } };
    }
    const groups = mode.kind === "groups" ? mode.groups : [];
    return {
      allow: false,
      status: 403,
      body: {
        error: "not a member of the groups of this stream",
        access: mode.kind,
        groups: groups.map((name) => ({ name, url: `${this.options.discourseUrl!.replace(/\/+$/, "")}/g/${name}` })),
        user: session!.username,
      },
    };
  }
}

export function misconfiguration(options: Pick<AccessGuardOptions, "signIn" | "allowOrigin">): string | undefined {
  if (!options.signIn) return "--discourse-url and --discourse-connect-secret-file are not set";
  if (options.allowOrigin === "*") return '--allow-origin is "*": set it to the forum\'s origin (browsers send no cookies to "*")';
  return undefined;
}
