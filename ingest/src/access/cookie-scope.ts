import { isIP } from "node:net";

// Browsers block third-party cookies, so the session cookie the ingest sets only travels with the
// player's requests when the ingest is on the forum's own site: the same host, or a host sharing the
// forum's registrable domain (live.example.org next to forum.example.org).
//
// Heuristic, no Public Suffix List: the registrable domain is the last two labels, or the last three when
// the last label is a two-letter country code and the one before it is short (co.uk, com.au, org.br).
// It is wrong for private suffixes (github.io, herokuapp.com: two sites look like one) and rare public
// ones (it only ever warns: it decides nothing).

export type CookieScope = { shared: true } | { shared: false; reason: string };

export function cookieScope(forumUrl: string, ingestUrl: string): CookieScope {
  const forum = new URL(forumUrl);
  const ingest = new URL(ingestUrl);
  if (forum.hostname === ingest.hostname) {
    if (forum.protocol === "https:" && ingest.protocol === "http:") {
      return { shared: false, reason: "the forum is https and the ingest http: the player cannot load it (mixed content)" };
    }
    return { shared: true };
  }
  if (isIP(bare(forum.hostname)) || isIP(bare(ingest.hostname))) {
    return { shared: false, reason: "different IP addresses are different sites" };
  }
  const a = registrableDomain(forum.hostname);
  const b = registrableDomain(ingest.hostname);
  if (a === b) return { shared: true };
  return { shared: false, reason: `${forum.hostname} and ${ingest.hostname} are different sites (${a} vs ${b})` };
}

export function registrableDomain(hostname: string): string {
  const labels = hostname.toLowerCase().replace(/\.$/, "").split(".");
  if (labels.length <= 2) return labels.join(".");
  const tld = labels[labels.length - 1]!;
  const second = labels[labels.length - 2]!;
  const take = tld.length === 2 && second.length <= 3 ? 3 : 2;
  return labels.slice(-take).join(".");
}

function bare(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}
