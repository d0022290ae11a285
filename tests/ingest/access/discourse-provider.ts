// A test forum: the provider side of DiscourseConnect as Discourse implements it (SessionController
// #sso_provider, DiscourseConnectProvider, DiscourseConnectBase), written from its documentation:
// - GET /session/sso_provider?sso=<base64(query)>&sig=<hex HMAC-SHA256(secret, sso)>
// - return_sso_url's host must be listed with a secret ("<host>|<secret>"), else 400; a bad sig is 422.
// - signed-in user: redirect to return_sso_url?sso=...&sig=... with nonce, return_sso_url, external_id,
//   username, name, email, admin, moderator, groups (comma separated), plus the request's fields.
// - no forum session and prompt=none: the same redirect with failed=true (nonce, return_sso_url, prompt).
// - no forum session otherwise: the payload waits in a cookie and the browser goes to /login; signing in
//   there (?username=) resumes it.
// A forum session is the cookie `_t=<username>` (Discourse's is also named _t).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ForumMember {
  id: number;
  groups: string[];
}

export interface ProviderOptions {
  /** Host names allowed as return_sso_url host, each with its secret (Discourse's "discourse connect provider secrets"). */
  secrets: Record<string, string>;
  members: Record<string, ForumMember>;
  /** Anything but the provider's own paths (e.g. the topic page of an e2e test). */
  other?: (req: IncomingMessage, res: ServerResponse) => void;
}

export class TestDiscourseProvider {
  /** Every sso_provider request, as decoded fields. */
  readonly requests: Array<Record<string, string>> = [];
  private readonly server: Server;

  constructor(private readonly options: ProviderOptions) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    if (url.pathname === "/session/sso_provider") return this.ssoProvider(req, res, url.search.slice(1));
    if (url.pathname === "/login") return this.login(req, res, url);
    if (this.options.other) return this.options.other(req, res);
    res.writeHead(404).end();
  }

  private ssoProvider(req: IncomingMessage, res: ServerResponse, query: string): void {
    const params = new URLSearchParams(query);
    const sso = params.get("sso");
    const sig = params.get("sig") ?? "";
    if (!sso) return void res.writeHead(400).end("sso missing");
    const fields = Object.fromEntries(new URLSearchParams(Buffer.from(sso, "base64").toString("utf8")));
    this.requests.push(fields);
    const returnUrl = fields.return_sso_url;
    if (!returnUrl) return void res.writeHead(400).end("return_sso_url is blank, it must be provided");
    const secret = this.options.secrets[new URL(returnUrl).hostname];
    if (!secret) return void res.writeHead(400).end("missing secret");
    const expected = Buffer.from(sign(sso, secret));
    if (expected.length !== Buffer.byteLength(sig) || !timingSafeEqual(expected, Buffer.from(sig))) {
      return void res.writeHead(422).end("login error");
    }
    const username = cookie(req, "_t");
    const member = username ? this.options.members[username] : undefined;
    if (!member || !username) {
      if (fields.prompt === "none") return redirect(res, answerUrl(returnUrl, { ...fields, failed: "true" }, secret));
      res.setHeader("Set-Cookie", `sso_payload=${encodeURIComponent(query)}; Path=/; HttpOnly; SameSite=Lax`);
      return redirect(res, "/login");
    }
    const answer = {
      ...fields,
      external_id: String(member.id),
      username,
      name: username,
      email: `${username}@forum.test`,
      admin: "false",
      moderator: "false",
      groups: member.groups.join(","),
    };
    redirect(res, answerUrl(returnUrl, answer, secret));
  }

  /** /login?username=<name>: signs the browser in to the forum and resumes a waiting DiscourseConnect request. */
  private login(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const username = url.searchParams.get("username");
    if (!username || !this.options.members[username]) {
      return void res
        .writeHead(200, { "Content-Type": "text/html" })
        .end("<!doctype html><title>Log in</title><h1>Log in to the forum</h1>");
    }
    const pending = cookie(req, "sso_payload");
    res.setHeader("Set-Cookie", [`_t=${username}; Path=/; HttpOnly; SameSite=Lax`, "sso_payload=; Path=/; Max-Age=0"]);
    redirect(res, pending ? `/session/sso_provider?${decodeURIComponent(pending)}` : "/");
  }
}

export function sign(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

/** return_sso_url + sso + sig, as Discourse's to_url builds it (CGI-escaped base64, hex sig). */
function answerUrl(returnUrl: string, fields: Record<string, string>, secret: string): string {
  const sso = Buffer.from(new URLSearchParams(fields).toString()).toString("base64");
  return `${returnUrl}${returnUrl.includes("?") ? "&" : "?"}sso=${encodeURIComponent(sso)}&sig=${sign(sso, secret)}`;
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, "Cache-Control": "no-store" }).end();
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
