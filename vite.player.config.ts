import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")) as { version: string };
const lock = JSON.parse(readFileSync(new URL("package-lock.json", import.meta.url), "utf8")) as {
  packages: Record<string, { version?: string }>;
};
const versionOf = (name: string) => lock.packages[`node_modules/${name}`]?.version ?? "unknown";

/** Where `npm run build` writes the bundle; tests build into a temp dir to compare bytes. */
export const PLAYER_OUT_DIR = process.env.LIVE_PLAYER_OUT_DIR ?? `${root}assets`;

const banner = [
  `/*! Live Shows player ${pkg.version}: built from player/ by \`npm run build\`; do not edit.`,
  ` * Includes video.js ${versionOf("video.js")} and @videojs/http-streaming ${versionOf("@videojs/http-streaming")}`,
  " * (Apache-2.0, https://github.com/videojs), with their MIT/Apache-2.0/BSD dependencies. */",
].join("\n");

// A classic script (IIFE) defining window.LiveShowsPlayer: Discourse's loadScript inserts a plain <script>.
export default defineConfig({
  root,
  publicDir: false,
  logLevel: "warn",
  define: { __LIVE_SHOWS_PLAYER_VERSION__: JSON.stringify(pkg.version) },
  resolve: {
    alias: [
      // video.js without its bundled VHS; player/src/vhs.ts adds the sync-workers VHS build
      { find: /^video\.js$/, replacement: `${root}node_modules/video.js/core.es.js` },
      { find: /^@xmldom\/xmldom$/, replacement: `${root}player/src/dash-xml-stub.ts` },
    ],
  },
  build: {
    outDir: PLAYER_OUT_DIR,
    emptyOutDir: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1000,
    target: "es2020",
    minify: true,
    cssMinify: true,
    sourcemap: false,
    rolldownOptions: {
      input: `${root}player/src/index.ts`,
      output: {
        format: "iife",
        entryFileNames: "live-player.js",
        postBanner: banner,
      },
    },
  },
});
