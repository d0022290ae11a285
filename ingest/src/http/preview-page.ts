import type { StreamStatus } from "../streams/stream-view.js";

// The performers' preview page (/live/): a static shell; preview.js (next to it) polls status.json,
// draws one card per stream and mounts the player bundle for live ones. Relative URLs only, so the
// page works behind any path prefix. No inline script: the CSP allows scripts from 'self' only.

/**
 * media-src blob: for MSE, font-src data: for video.js's icon font, inline styles for the CSS the
 * bundle injects (and this page's own <style>), img-src data: for the empty favicon.
 */
export const previewPageCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "font-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface PreviewPageInput {
  /** Content version of player.js, or null when the bundle is missing on this server. */
  playerVersion: string | null;
  /** Content version of preview.js. */
  scriptVersion: string;
  /** For the no-JavaScript fallback: playlist links a performer can open in VLC or ffplay. */
  streams: readonly StreamStatus[];
  /** Streams with recordings: the page keeps a card for each (its recordings), live or not. */
  recordedStreams?: readonly string[];
}

export function renderPreviewPage({ playerVersion, scriptVersion, streams, recordedStreams = [] }: PreviewPageInput): string {
  const playerScript = playerVersion ? `<script src="player.js?v=${playerVersion}" defer></script>\n` : "";
  const missing = playerVersion
    ? ""
    : `<p class="notice">The player is missing on this server (assets/live-player.js), so streams cannot play here. The numbers below still update.</p>\n`;
  const links = streams.map((s) => `<li><a href="${escapeHtml(s.playlist)}">${escapeHtml(s.playlist)}</a> (${s.state})</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Live Shows — preview</title>
<link rel="icon" href="data:,">
<style>${styles}</style>
${playerScript}<script src="preview.js?v=${scriptVersion}" defer></script>
</head>
<body>
<header class="page-head">
<h1>Live Shows — preview</h1>
<p>Check your stream before and during a show: what viewers see, and what the server receives from OBS.</p>
</header>
${missing}<p id="notice" class="notice" role="status" hidden></p>
<main id="streams" data-recorded="${escapeHtml(recordedStreams.join(" "))}"><p class="empty">Loading…</p></main>
<noscript><p class="notice">This page needs JavaScript to play streams.${links ? ` Playlists for VLC or ffplay:</p><ul>${links}</ul>` : "</p>"}</noscript>
</body>
</html>
`;
}

// The --primary/--secondary/... properties are Discourse's colour names, which the player's CSS reads.
const styles = `
:root{--primary:#222;--secondary:#fff;--tertiary:#0a66c2;--danger:#c80001;--primary-low:#e3e3e3;--primary-very-low:#f5f5f5;
--muted:#5c5c5c;--ok:#1a7f37;--warn-bg:#fff4d6;--warn-fg:#5a3d00;--warn-border:#e0a800;--card:#fff;--page:#f3f3f3}
@media (prefers-color-scheme:dark){:root{--primary:#e6e6e6;--secondary:#181818;--tertiary:#5aa9ff;--danger:#ff5a52;
--primary-low:#3a3a3a;--primary-very-low:#222;--muted:#a8a8a8;--ok:#4cc16a;--warn-bg:#3d2e00;--warn-fg:#ffe08a;--warn-border:#b38600;--card:#1e1e1e;--page:#121212}}
*{box-sizing:border-box}
body{margin:0;padding:1rem;background:var(--page);color:var(--primary);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.page-head,main,.notice{max-width:64rem;margin-left:auto;margin-right:auto}
h1{font-size:1.4rem;margin:0 0 .25rem}
.page-head p{margin:0 0 1rem;color:var(--muted)}
.notice{padding:.6rem .8rem;border-radius:6px;border:1px solid var(--warn-border);background:var(--warn-bg);color:var(--warn-fg);margin-bottom:1rem}
.empty{padding:1.5rem;text-align:center;color:var(--muted);background:var(--card);border:1px dashed var(--primary-low);border-radius:8px}
.card{background:var(--card);border:1px solid var(--primary-low);border-radius:8px;padding:1rem;margin-bottom:1rem}
.card-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem 1rem;margin-bottom:.5rem}
.card-head h2{font-size:1.2rem;margin:0}
.badge{font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em;padding:.1rem .5rem;border-radius:4px;background:var(--primary-low)}
.badge[data-state=live]{background:var(--danger);color:#fff}
.badge[data-state=reconnecting]{background:var(--warn-border);color:#000}
.since,.hint,.playlist,.note{color:var(--muted);font-size:.9rem}
.hint{margin:0 0 .5rem}
.warnings{list-style:none;margin:0 0 .75rem;padding:0}
.warnings li{padding:.5rem .75rem;margin-bottom:.4rem;border-left:4px solid var(--warn-border);background:var(--warn-bg);color:var(--warn-fg);font-weight:600;border-radius:4px}
.checklist{margin:0 0 .75rem}
.checklist h3{font-size:1rem;margin:0 0 .35rem}
.checklist ul{list-style:none;margin:0;padding:0;display:grid;gap:.3rem}
.check{display:grid;grid-template-columns:1.4rem minmax(0,1fr) auto;column-gap:.5rem;align-items:baseline;padding:.4rem .6rem;border-radius:6px;background:var(--primary-very-low);border-left:4px solid var(--primary-low)}
.check-mark{grid-row:1/3;font-weight:700;text-align:center}
.check[data-status=waiting] .check-mark::before{content:"…";color:var(--muted)}
.check[data-status=ok]{border-left-color:var(--ok)}
.check[data-status=ok] .check-mark::before{content:"✓";color:var(--ok)}
.check[data-status=fix]{border-left-color:var(--warn-border);background:var(--warn-bg);color:var(--warn-fg)}
.check[data-status=fix] .check-mark::before{content:"!"}
.check-label{font-weight:600}
.check-value{font-variant-numeric:tabular-nums;text-align:right}
.check{position:relative}
.check-status{grid-column:2/4;font-size:.85rem;color:var(--muted)}
.check[data-status=ok] .check-status,.check[data-status=fix] .check-status{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.check-fix{grid-column:2/4;margin:.2rem 0 0;font-size:.9rem}
.empty .checklist{max-width:32rem;margin:1rem auto 0;text-align:left}
.card-body{display:grid;grid-template-columns:minmax(0,2fr) minmax(13rem,1fr);gap:1rem;align-items:start}
@media (max-width:720px){.card-body{grid-template-columns:minmax(0,1fr)}}
.player{width:100%;aspect-ratio:16/9;border-radius:6px;background:var(--primary-very-low);display:flex;align-items:center;justify-content:center;color:var(--muted);text-align:center;padding:0}
.player:empty::after{content:"No picture while the stream is not live."}
.player.mounted{display:block;background:#000}
.player[hidden]{display:none}
.recordings h3{margin:1rem 0 .4rem;font-size:1rem}
.recording-list{list-style:none;margin:0;padding:0}
.recording-list li{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;padding:.2rem 0}
.recording-list .length{color:var(--muted);font-variant-numeric:tabular-nums}
.replay{margin-top:.5rem;max-width:48rem}
.stats{display:grid;grid-template-columns:auto 1fr;gap:.3rem .75rem;margin:0}
.stats dt{color:var(--muted)}
.stats dd{margin:0;font-variant-numeric:tabular-nums;font-weight:600;overflow-wrap:anywhere}
.note,.playlist{margin:.6rem 0 0}
.renditions h3{margin:.8rem 0 .3rem;font-size:1rem}
.renditions ul{margin:0;padding-left:1.1rem;font-variant-numeric:tabular-nums}
.renditions li[data-state="dropped"],.renditions li[data-state="restarting"]{color:var(--danger)}
.renditions[hidden]{display:none}
.playlist{overflow-wrap:anywhere}
a{color:var(--tertiary)}
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
