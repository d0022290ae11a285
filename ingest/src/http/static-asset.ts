import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { OutgoingHttpHeaders } from "node:http";
import { gzipSync } from "node:zlib";
import { send, type Exchange } from "./exchange.js";

/** A file served from memory: read once at start, compressed once, validated by ETag. */
export interface StaticAsset {
  identity: Buffer;
  gzip: Buffer;
  /** Content hash (16 base64url characters): the strong validator, and the `?v=` that busts caches on upgrades. */
  version: string;
}

/** Reads and gzips a file at start (synchronously: it runs once, before the server listens). Throws like readFileSync. */
export function loadStaticAsset(file: URL): StaticAsset {
  const identity = readFileSync(file);
  const version = createHash("sha256").update(identity).digest("base64url").slice(0, 16);
  return { identity, gzip: gzipSync(identity, { level: 9 }), version };
}

/**
 * Sends an asset, gzipped when the client accepts it (a phone on mobile data fetches the player bundle in
 * about a quarter of the bytes), 304 when If-None-Match names the representation's ETag.
 */
export function sendStaticAsset(ex: Exchange, asset: StaticAsset, headers: OutgoingHttpHeaders): void {
  const gzip = acceptsGzip(ex.req.headers["accept-encoding"]);
  const etag = `"${asset.version}${gzip ? "-gz" : ""}"`;
  const all: OutgoingHttpHeaders = { ...headers, ETag: etag, Vary: "Accept-Encoding" };
  if (matchesEtag(ex.req.headers["if-none-match"], etag)) {
    // Not send(): a 304 must not carry Content-Length: 0 (it would describe the 200's body, RFC 9110 8.6).
    ex.res.writeHead(304, { ...ex.baseHeaders, ...all }).end();
    return;
  }
  if (gzip) all["Content-Encoding"] = "gzip";
  send(ex, 200, all, gzip ? asset.gzip : asset.identity);
}

/** Whether Accept-Encoding allows gzip (RFC 9110 12.5.3: named or `*`, with q > 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const item of header.split(",")) {
    const [coding = "", ...params] = item.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (coding === "gzip" || coding === "x-gzip") gzip = weight;
    else if (coding === "*") star = weight;
  }
  const weight = gzip ?? star ?? 0;
  return Number.isFinite(weight) && weight > 0;
}

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/` prefixes are ignored; `*` matches. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((item) => {
    const tag = item.trim();
    return tag === "*" || tag.replace(/^W\//, "") === etag;
  });
}
