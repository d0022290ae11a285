import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const BUNDLE_PATH = new URL("../../../assets/live-player.js", import.meta.url);
export const NONCE = "dGVzdC1ub25jZQ";

/** Discourse's default policy (lib/content_security_policy/default.rb), in the worker-src variants cores have shipped. */
export const CSP_VARIANTS = {
  "no worker-src": `script-src 'self' 'nonce-${NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'self'`,
  "worker-src 'self'": `script-src 'self' 'nonce-${NONCE}' 'strict-dynamic'; worker-src 'self'; object-src 'none'; base-uri 'self'`,
  "worker-src 'self' blob:": `script-src 'self' 'nonce-${NONCE}' 'strict-dynamic'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'`,
} as const;
export type CspVariant = keyof typeof CSP_VARIANTS;

/**
 * The test page: records CSP violations, timers, in-flight requests, media events and what reaches
 * the SourceBuffers, then loads the committed bundle with a plain nonce'd <script>.
 */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Live Shows player test</title>
<script nonce="${NONCE}">
(() => {
  const t = (window.__test = { csp: [], states: [], timers: new Map(), intervals: new Set(), xhrOpen: 0, fetchOpen: 0,
    seeks: [], playing: [], waiting: [], rates: [], appends: [], firstFrameAt: null, mountedAt: null });
  document.addEventListener("securitypolicyviolation", (e) => t.csp.push(e.violatedDirective + " " + e.blockedURI));
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  window.setTimeout = function (fn, ms, ...rest) {
    const id = st.call(window, (...a) => { t.timers.delete(id); if (typeof fn === "function") fn(...a); }, ms, ...rest);
    t.timers.set(id, ms); return id;
  };
  window.clearTimeout = function (id) { t.timers.delete(id); return ct.call(window, id); };
  window.setInterval = function (...a) { const id = si.apply(window, a); t.intervals.add(id); return id; };
  window.clearInterval = function (id) { t.intervals.delete(id); return ci.call(window, id); };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...a) {
    t.xhrOpen++; this.addEventListener("loadend", () => t.xhrOpen--, { once: true }); return send.apply(this, a);
  };
  const f = window.fetch;
  window.fetch = function (...a) { t.fetchOpen++; return f.apply(window, a).finally(() => t.fetchOpen--); };
  const append = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (data) {
    const b = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const type = b.byteLength >= 8 ? String.fromCharCode(b[4], b[5], b[6], b[7]) : "";
    t.appends.push({ type, bytes: b.byteLength, at: performance.now() });
    return append.call(this, data);
  };
  document.addEventListener("seeking", (e) => t.seeks.push({ at: performance.now(), time: e.target.currentTime }), true);
  document.addEventListener("playing", () => t.playing.push(performance.now()), true);
  document.addEventListener("waiting", () => t.waiting.push(performance.now()), true);
  document.addEventListener("ratechange", (e) => t.rates.push({ at: performance.now(), rate: e.target.playbackRate }), true);
  document.addEventListener("loadeddata", () => { t.firstFrameAt ??= performance.now(); }, true);
})();
</script>
<script nonce="${NONCE}" src="/live-player.js"></script>
</head><body>
<div id="host" style="width: 640px"></div>
<script nonce="${NONCE}">
window.__mount = (options) => {
  window.__test.mountedAt = performance.now();
  window.__handle = window.LiveShowsPlayer.mount(document.getElementById("host"), {
    ...options,
    onStateChange: (state) => window.__test.states.push({ state, at: performance.now() }),
  });
};
</script>
</body></html>`;
}

/** Serves the test page with a chosen CSP (`/?csp=<variant>`) and the committed bundle, on 127.0.0.1. */
export class PageServer {
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === "/live-player.js") {
        readFile(BUNDLE_PATH).then(
          (body) => res.writeHead(200, { "Content-Type": "text/javascript", "Cache-Control": "no-store" }).end(body),
          () => res.writeHead(500).end(),
        );
        return;
      }
      if (url.pathname === "/") {
        const variant = (url.searchParams.get("csp") ?? "no worker-src") as CspVariant;
        res
          .writeHead(200, {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": CSP_VARIANTS[variant],
            "Cache-Control": "no-store",
          })
          .end(pageHtml());
        return;
      }
      res.writeHead(url.pathname === "/favicon.ico" ? 204 : 404).end();
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  /** The page origin uses the name "localhost", so the stream (127.0.0.1) is cross-origin. */
  pageUrl(variant: CspVariant): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://localhost:${port}/?csp=${encodeURIComponent(variant)}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
