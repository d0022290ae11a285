// The one-way import rule of docs/architecture.md, checked on every import under ingest/src: adapters (rtmp/)
// feed the hub (streams/), which muxes (mp4/) and packages (hls/); recording/ subscribes, access/ guards,
// http/ only reads; media/ (ffmpeg for recordings' MP4 export) is off the live path. A new edge between folders fails here: decide it, then add it below and to the document.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../../ingest/src/", import.meta.url));

/**
 * Folder -> the folders its files may import; ROOT: the root files (app.ts, main.ts, config.ts...), which
 * compose everything and which only the CLI's commands use.
 */
const ROOT = "(root)";
const ALLOWED: Record<string, string[]> = {
  access: [],
  disk: [],
  net: [],
  // keys/ validates a stream's renditions setting with the ladder's names (transcode/rendition-ladder.ts, pure).
  keys: ["access", "disk", "transcode"],
  rtmp: ["net", "streams"],
  media: [],
  mp4: ["streams"],
  hls: ["mp4"],
  streams: ["disk", "hls", "mp4"],
  recording: ["disk", "hls", "keys", "media", "streams"],
  // Renditions: the source's parts in (streams/, hls/), ffmpeg's FLV read back into media events with the RTMP
  // adapter's FLV translation (rtmp/flv-media.ts), muxed (mp4/) into an aligned packager; ffmpeg found by media/.
  transcode: ["hls", "media", "mp4", "rtmp", "streams"],
  http: ["access", "hls", "keys", "net", "recording", "streams"],
  cli: ["access", "disk", "keys", "media", "recording", "transcode", ROOT],
};

/** Relative module specifiers of static imports, re-exports and dynamic import() calls. */
export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g,
  )) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) found.push(spec);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
}

/** The top folder under ingest/src of a file (ROOT for the root files). */
const folderOf = (file: string): string => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : ROOT;
};

describe("one-way imports under ingest/src", () => {
  it("finds static, re-exported, side-effect and dynamic imports", () => {
    const source = [
      'import type { A } from "../http/a.js";',
      'import {\n  b,\n  c,\n} from "../rtmp/b.js";',
      'export { d } from "./d.js";',
      'import "../media/side-effect.js";',
      'const e = await import("../hls/e.js");',
      'import { f } from "node:fs";',
    ].join("\n");
    expect(importSpecifiers(source)).toEqual(["../http/a.js", "../rtmp/b.js", "./d.js", "../media/side-effect.js", "../hls/e.js"]);
  });

  it("every folder imports only the folders the architecture allows; none below http/ imports http/", () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const folders = new Set(files.map(folderOf).filter((f) => f !== ROOT));
    // A new folder must be placed in the rule first.
    expect([...folders].filter((f) => !(f in ALLOWED))).toEqual([]);
    const violations: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      if (from === ROOT) continue;
      for (const spec of importSpecifiers(readFileSync(file, "utf8"))) {
        const to = folderOf(path.resolve(path.dirname(file), spec));
        if (to === from) continue;
        if (!ALLOWED[from]!.includes(to)) violations.push(`${path.relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
    for (const [folder, deps] of Object.entries(ALLOWED)) if (folder !== "http") expect(deps, folder).not.toContain("http");
    // Sanity: the scan sees real edges (a broken scanner would pass everything).
    expect(
      files.some((f) => folderOf(f) === "rtmp" && importSpecifiers(readFileSync(f, "utf8")).some((s) => s.startsWith("../streams/"))),
    ).toBe(true);
  });
});
