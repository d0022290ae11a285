// Compiles ingest/src to plain JavaScript in ingest/dist (same folder layout, so the paths the code resolves
// from import.meta.url stay valid). Runs from `npm install`/`npm ci` (prepare) and before `npm start`;
// production runs node on ingest/dist, without a TypeScript loader (bench:startup measures why).
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ingestDir = fileURLToPath(new URL("..", import.meta.url));
const srcDir = path.join(ingestDir, "src");
const outDir = process.argv[2]
  ? path.resolve(process.argv[2])
  : path.join(ingestDir, "dist");

const files = (await readdir(srcDir, { recursive: true })).map((f) =>
  path.join(srcDir, f)
);
const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
// Served to browsers as it is (the preview page's script), not compiled.
const assets = files.filter((f) => f.endsWith(".js"));

// Built beside and swapped in whole: an ingest already running from dist, or a second build, never sees half a tree.
const staging = `${outDir}.tmp-${process.pid}`;
await rm(staging, { recursive: true, force: true });
await build({
  entryPoints: sources,
  outdir: staging,
  outbase: srcDir,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
for (const asset of assets) {
  const target = path.join(staging, path.relative(srcDir, asset));
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(asset, target);
}
await rm(outDir, { recursive: true, force: true });
await rename(staging, outDir);
