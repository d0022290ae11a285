import type { StreamStatus } from "./stream-directory.js";

// A stand-in for the performers' preview page: lists the streams with their playlist URLs.
// The player bundle replaces it with a page that plays them.

export const previewPageCsp = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export function renderPreviewPage(streams: readonly StreamStatus[]): string {
  const rows = streams.map((s) => {
    const state = s.live ? "live" : "offline";
    const viewers = s.live ? `, ${s.viewers} watching` : "";
    const warnings = s.warnings.map((w) => `<li>${escapeHtml(w.message)}</li>`).join("");
    return `<li><a href="${escapeHtml(s.playlist)}">${escapeHtml(s.name)}</a> (${state}${viewers})${warnings ? `<ul>${warnings}</ul>` : ""}</li>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Live streams</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:40rem}</style>
</head>
<body>
<h1>Live streams</h1>
${rows.length > 0 ? `<ul>\n${rows.join("\n")}\n</ul>` : "<p>No stream is live.</p>"}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
