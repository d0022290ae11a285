// A browser enough for sign-in flows: a cookie jar (name, path, Max-Age=0 deletes; every server is on
// 127.0.0.1, and cookies ignore ports) and manual redirects, so a test sees every hop.
import { get, type Reply } from "../http/http-client.js";

interface Cookie {
  value: string;
  path: string;
}

export class TestBrowser {
  readonly jar = new Map<string, Cookie>();
  /** Every URL visited by the last navigate(). */
  hops: string[] = [];

  async fetch(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Reply> {
    const path = new URL(url).pathname;
    const cookies = [...this.jar].filter(([, c]) => path.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`);
    const reply = await get(url, { method, headers: { ...headers, ...(cookies.length > 0 ? { Cookie: cookies.join("; ") } : {}) } });
    const setCookie = reply.headers["set-cookie"] ?? [];
    for (const line of setCookie) {
      const [pair, ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const attr = new Map(attributes.map((a) => [a.split("=")[0]!.toLowerCase(), a.split("=")[1] ?? ""]));
      if (attr.get("max-age") === "0") this.jar.delete(name);
      else this.jar.set(name, { value: pair!.slice(eq + 1), path: attr.get("path") ?? "/" });
    }
    return reply;
  }

  /** Follows redirects like a top-level navigation; returns the final reply and its URL. */
  async navigate(url: string, maxHops = 10): Promise<{ reply: Reply; url: string }> {
    this.hops = [url];
    let current = url;
    for (let i = 0; i < maxHops; i++) {
      const reply = await this.fetch(current);
      const location = reply.headers.location;
      if (reply.status < 300 || reply.status >= 400 || !location) return { reply, url: current };
      current = new URL(location, current).href;
      this.hops.push(current);
    }
    throw new Error(`too many redirects: ${this.hops.join(" -> ")}`);
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name)?.value;
  }
}
