// A page that renders the theme's components with the compiled SCSS and a player bundle, served on
// loopback: for real-Chromium tests and screenshots. Discourse's colours are stood in by the
// custom properties of its default light and dark schemes (the names the theme uses).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import * as sass from "sass";
import { build } from "vite";
import emberGjs from "./ember-gjs-plugin.js";
import { flattenTranslations, readYaml, repoRoot } from "./theme-files.js";

const shims = path.resolve(import.meta.dirname, "../shims");

export const COLOUR_SCHEMES = {
  light: {
    primary: "#222222", secondary: "#ffffff", tertiary: "#0088cc", danger: "#c80001", "danger-low": "#fbe8e8",
    "primary-very-low": "#f8f8f8", "primary-low": "#e9e9e9", "primary-medium": "#919191", "primary-high": "#646464",
  },
  dark: {
    primary: "#dddddd", secondary: "#222222", tertiary: "#099dd7", danger: "#e45735", "danger-low": "#3c1d17",
    "primary-very-low": "#2d2d2d", "primary-low": "#3b3b3b", "primary-medium": "#7e7e7e", "primary-high": "#b1b1b1",
  },
};

/** Builds support/preview-entry.gjs (ember-source + the theme's components) into a temporary folder. */
export async function buildPreviewScript() {
  const outDir = await mkdtemp(path.join(os.tmpdir(), "live-shows-preview-"));
  await build({
    configFile: false,
    logLevel: "error",
    root: repoRoot,
    plugins: [emberGjs({ themeDir: "/javascripts/", mode: "prod" })],
    resolve: {
      extensions: [".mjs", ".js", ".gjs", ".json"],
      alias: [
        { find: /^discourse-i18n$/, replacement: `${shims}/discourse-i18n.js` },
        { find: /^discourse\/(.*)$/, replacement: `${shims}/discourse/$1` },
      ],
    },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: path.join(import.meta.dirname, "preview-entry.gjs"), formats: ["es"], fileName: () => "preview.mjs" },
    },
  });
  return { file: path.join(outDir, "preview.mjs"), remove: () => rm(outDir, { recursive: true, force: true }) };
}

/**
 * @param {object} options
 * @param {string} options.script built preview script
 * @param {() => Promise<string>} options.bundle source of the player bundle, awaited per request
 * @param {Record<string, object>} [options.streams] status JSON by stream name; others are offline
 * @param {object} [options.settings] theme settings over the defaults
 * @param {"light" | "dark"} [options.scheme]
 * @param {object} [options.topic] the topic shown above the posts
 * @param {object[]} [options.listTopics] rows of the topic list below
 * @param {object[]} [options.forumTopics] what the forum's /latest.json lists (the live-now notice asks it)
 */
export async function startPreviewServer({ script, bundle, streams = {}, settings = {}, scheme = "light", topic, listTopics = [], forumTopics = [] }) {
  const css = sass.compile(path.join(repoRoot, "common/common.scss"), {
    loadPaths: [path.join(repoRoot, "stylesheets")],
    silenceDeprecations: ["import"],
  }).css;
  const translations = Object.fromEntries(
    Object.entries(flattenTranslations(readYaml("locales/en.yml").en)).map(([key, value]) => [`theme_translations.1.${key}`, value])
  );
  const colours = Object.entries(COLOUR_SCHEMES[scheme]).map(([name, value]) => `--${name}: ${value};`).join(" ");
  const defaults = Object.fromEntries(Object.entries(readYaml("settings.yml")).map(([name, spec]) => [name, spec.default]));

  const status = (name) => ({ name, live: false, startedAt: null, viewers: 0, video: null, audio: null, warnings: [], playlist: "index.m3u8", ...streams[name] });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    const send = (type, body) => {
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (url.pathname === "/") {
      const preview = {
        settings: {
          ...defaults,
          ingest_base_url: `http://127.0.0.1:${server.address().port}/live`,
          theme_uploads: { live_player: "/theme-javascripts/live-player.js" },
          theme_uploads_local: { live_player: "/theme-javascripts/live-player.js" },
          ...settings,
        },
        translations,
        topic,
        listTopics,
      };
      const rows = listTopics.map((row) => `<li data-topic-id="${row.id}"><span class="title">${row.title}</span><span class="after-title"></span></li>`).join("");
      send(
        "text/html; charset=utf-8",
        `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>:root { ${colours} --font-down-1: 0.875em; --font-down-2: 0.75em; --font-up-2: 1.3em; --d-border-radius: 4px; }
body { margin: 0 auto; padding: 0.5rem 1rem 1rem; max-width: 48rem; font: 16px/1.5 system-ui, sans-serif; color: var(--primary); background: var(--secondary); }
.post { min-height: 150vh; border-top: 1px solid var(--primary-low); padding-top: 1rem; }
${css}</style>
<script>window.PREVIEW = ${JSON.stringify(preview)};</script></head>
<body><div id="main-outlet"><div id="above-main-container"></div><div id="main-container">
<ul class="topic-list">${rows}</ul><h1>${topic?.title ?? ""}</h1>
<div class="posts-wrapper"><span id="topic-above-posts"></span>
<div class="post"><p class="first-post">The show starts at eight. Reply here while you watch!</p></div></div>
</div></div><script type="module" src="/preview.mjs"></script></body></html>`
      );
    } else if (url.pathname === "/preview.mjs") {
      send("text/javascript", await readFile(script));
    } else if (url.pathname === "/theme-javascripts/live-player.js") {
      send("text/javascript", await bundle());
    } else if (/^\/live\/[^/]+\/status\.json$/.test(url.pathname)) {
      send("application/json", JSON.stringify(status(url.pathname.split("/")[2])));
    } else if (url.pathname === "/latest.json") {
      send("application/json", JSON.stringify({ topic_list: { topics: forumTopics } }));
    } else if (url.pathname === "/live/status.json") {
      send("application/json", JSON.stringify({ streams: Object.keys(streams).map(status) }));
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
