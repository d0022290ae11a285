import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { build } from "vite";
import { beforeAll, describe, expect, it } from "vitest";

type JsdomWindow = Window & typeof globalThis & { eval(code: string): unknown };
// jsdom ships no types (the theme tests use it as a vitest environment instead)
const { JSDOM } = createRequire(import.meta.url)("jsdom") as {
  JSDOM: new (html?: string, options?: Record<string, unknown>) => { window: JsdomWindow };
};

const root = path.resolve(import.meta.dirname, "../..");
const bundlePath = path.join(root, "assets/live-player.js");
const GZIP_BUDGET = 230 * 1024;

let bundle = "";
let version = "";

beforeAll(async () => {
  bundle = await readFile(bundlePath, "utf8");
  version = (JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { version: string }).version;
});

/** A fresh browser-like window that evaluates the bundle the way a plain <script> would. */
function freshWindow(): JsdomWindow {
  const dom = new JSDOM('<!doctype html><html lang="en"><head></head><body><div id="host"></div></body></html>', {
    url: "https://forum.example/t/show/1",
    runScripts: "outside-only",
    pretendToBeVisual: true,
  });
  return dom.window;
}

function windowWithBundle(): JsdomWindow {
  const window = freshWindow();
  window.eval(bundle);
  return window;
}

describe("assets/live-player.js", () => {
  it("is exactly what `npm run build` makes from the current sources", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), "live-player-build-"));
    try {
      await build({ configFile: path.join(root, "vite.player.config.ts"), logLevel: "silent", build: { outDir } });
      const fresh = await readFile(path.join(outDir, "live-player.js"), "utf8");
      expect(fresh === bundle, "assets/live-player.js is stale: run `npm run build` and commit it").toBe(true);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it("defines window.LiveShowsPlayer when evaluated as a classic script, and no other global", () => {
    const window = windowWithBundle();
    const api = (window as unknown as { LiveShowsPlayer: { version: string; mount: unknown } }).LiveShowsPlayer;
    expect(Object.keys(api).sort()).toEqual(["mount", "mountReplay", "version"]);
    expect(api.version).toBe(version);
    expect(typeof api.mount).toBe("function");

    const baseline = new Set(Object.getOwnPropertyNames(freshWindow()));
    const added = Object.getOwnPropertyNames(window).filter((name) => !baseline.has(name));
    // vtt.js (inside video.js core) installs the WebVTT polyfill globals, as video.js always does
    expect(added.sort()).toEqual(["LiveShowsPlayer", "VTTCue", "VTTRegion", "WebVTT", "vttjs"]);
  });

  it("keeps the first copy when loaded twice", () => {
    const window = windowWithBundle();
    const first = (window as unknown as { LiveShowsPlayer: unknown }).LiveShowsPlayer;
    window.eval(bundle);
    expect((window as unknown as { LiveShowsPlayer: unknown }).LiveShowsPlayer).toBe(first);
  });

  it("creates no Web Worker from a blob: URL and needs no eval (Discourse's CSP)", () => {
    expect(bundle).not.toMatch(/new\s+Worker\s*\(/);
    expect(bundle).not.toMatch(/createObjectURL\s*\(\s*new\s+Blob/);
    expect(bundle).not.toMatch(/\bnew\s+Function\s*\(/);
    expect(bundle).not.toMatch(/\beval\s*\(/);
  });

  it(`stays under the size budget of ${GZIP_BUDGET / 1024} KB gzip`, () => {
    const gzipped = gzipSync(bundle, { level: 9 }).byteLength;
    console.info(`assets/live-player.js: ${(bundle.length / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzip`);
    expect(gzipped).toBeLessThan(GZIP_BUDGET);
  });
});

describe("mounting the bundle (jsdom, no MSE)", () => {
  function mountInWindow(options: Record<string, unknown>) {
    const window = windowWithBundle();
    // status.json says offline: the player shows its idle card and polls
    (window as unknown as { fetch: unknown }).fetch = () =>
      Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve({ state: "offline", live: false }) });
    const api = (window as unknown as { LiveShowsPlayer: { mount: (el: Element, o: unknown) => { destroy(): void } } }).LiveShowsPlayer;
    const host = window.document.getElementById("host")!;
    const states: string[] = [];
    const handle = api.mount(host, { baseUrl: "/live", stream: "show", onStateChange: (s: string) => states.push(s), ...options });
    return { window, api, host, handle, states };
  }

  const settle = (window: JsdomWindow) => new Promise((resolve) => window.setTimeout(resolve, 50));

  it("shows the theme's labels, announces states politely, and injects its styles once", async () => {
    const { window, api, host, handle, states } = mountInWindow({ labels: { offline: "Pas encore commencé" } });
    await settle(window);
    expect(states).toEqual(["loading", "offline"]);
    expect(host.querySelector(".live-show-message")!.textContent).toBe("Pas encore commencé");
    const region = host.querySelector(".live-show-sr-only")!;
    expect(region.getAttribute("aria-live")).toBe("polite");
    expect(region.getAttribute("role")).toBe("status");
    expect(region.textContent).toBe("Pas encore commencé");
    expect(host.querySelector(".live-show-player--idle")).not.toBeNull();

    const second = api.mount(window.document.body, { baseUrl: "/live", stream: "other" });
    expect(window.document.querySelectorAll("style#live-shows-player-styles")).toHaveLength(1);
    expect(window.document.getElementById("live-shows-player-styles")!.textContent).toContain(".live-show-badge");
    second.destroy();
    handle.destroy();
    handle.destroy();
    expect(host.children).toHaveLength(0);
    expect(window.document.querySelectorAll("video")).toHaveLength(0);
  });

  it("rejects a mount without an element, base URL or stream", () => {
    const { window, api, handle } = mountInWindow({});
    const host = window.document.getElementById("host");
    expect(() => api.mount(null as unknown as Element, { baseUrl: "/live", stream: "x" })).toThrow(window.TypeError);
    expect(() => api.mount(host!, { baseUrl: "", stream: "x" })).toThrow(/baseUrl/);
    expect(() => api.mount(host!, { baseUrl: "/live" })).toThrow(/stream/);
    handle.destroy();
  });
});

describe("player CSS", () => {
  it("takes every colour from a custom property, with a fallback unless it is the player's own", async () => {
    const css = await readFile(path.join(root, "player/src/styles.css"), "utf8");
    const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, "");
    const declarations = [...withoutComments.matchAll(/([a-z-]+)\s*:\s*([^;{}]+);/g)].map(([, prop, value]) => ({
      prop: prop!,
      value: value!.trim(),
    }));
    const colourLiteral = /#[0-9a-f]{3,8}\b|\b(rgb|rgba|hsl|hsla)\(|\b(white|black|red|blue|green|gray|grey)\b/i;
    const offenders = declarations.filter(({ prop, value }) => {
      if (prop.startsWith("--")) return colourLiteral.test(value) && !/^var\(--[\w-]+,/.test(value);
      if (colourLiteral.test(value)) return true;
      const vars = [...value.matchAll(/var\((--[\w-]+)(\s*,)?/g)];
      return vars.some(([, name, comma]) => !name!.startsWith("--live-show-") && !comma);
    });
    expect(offenders).toEqual([]);
    expect(declarations.length).toBeGreaterThan(50);
  });
});
