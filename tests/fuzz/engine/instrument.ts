// Coverage instrumentation for the fuzzer: a copy of ingest/src compiled to JS with a counter at every
// function entry and branch, the way Jazzer.js instruments JS for libFuzzer. Hand-written because
// Jazzer.js's native part does not load here (its prebuilt addon needs glibc 2.38, Debian 12 has 2.36,
// and its source build downloads LLVM from GitHub); V8's precise coverage costs ~0.4 ms per execution.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync, types as t, type NodePath, type PluginObj } from "@babel/core";

/** Global the instrumented code counts into (a Uint8Array the fuzzer creates before importing it). */
export const COVERAGE_GLOBAL = "__liveFuzzCoverage";
const LOCAL = "__cov";
/** Bump when the instrumentation changes, so cached builds are rebuilt. */
const INSTRUMENTATION_VERSION = 4;

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const sourceRoot = path.join(repoRoot, "ingest/src");

export interface InstrumentedFile {
  /** Path relative to ingest/src, e.g. "rtmp/chunk-reader.ts". */
  file: string;
  /** Counter ids [start, end). */
  start: number;
  end: number;
}

export interface InstrumentedTree {
  /** Directory holding the compiled copy of ingest/src (same layout, .js files). */
  root: string;
  /** Number of counters in use. */
  counters: number;
  files: InstrumentedFile[];
  /** Source line of each counter (index = counter id), for reports of what was never reached. */
  lines: number[];
}

/** Every .ts file under ingest/src, relative to it, sorted. */
function sourceFiles(dir = sourceRoot): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path.relative(sourceRoot, full));
  }
  return out.sort();
}

/** Babel plugin: `__cov[id]++` at every function entry, both arms of every branch, loop bodies and catch blocks. */
function coveragePlugin(next: { id: number; lines: number[] }): PluginObj {
  // Each counter remembers the source line of the code it counts.
  const bump = (at: t.Node): t.ExpressionStatement => {
    next.lines[next.id] = at.loc?.start.line ?? 0;
    return t.expressionStatement(t.updateExpression("++", t.memberExpression(t.identifier(LOCAL), t.numericLiteral(next.id++), true)));
  };
  const bumpExpr = (expr: t.Expression): t.SequenceExpression => t.sequenceExpression([bump(expr).expression, expr]);
  const prepend = (body: t.Statement): t.BlockStatement =>
    t.isBlockStatement(body) ? (body.body.unshift(bump(body)), body) : t.blockStatement([bump(body), body]);
  const functionBody = (p: NodePath<t.Function>): void => {
    const body = p.node.body;
    if (t.isBlockStatement(body)) body.body.unshift(bump(p.node));
    else p.node.body = t.blockStatement([bump(p.node), t.returnStatement(body)]);
  };
  return {
    visitor: {
      Program: {
        exit(p) {
          const init = t.memberExpression(t.identifier("globalThis"), t.identifier(COVERAGE_GLOBAL));
          p.node.body.unshift(t.variableDeclaration("const", [t.variableDeclarator(t.identifier(LOCAL), init)]));
        },
      },
      Function: functionBody,
      IfStatement(p) {
        p.node.consequent = prepend(p.node.consequent);
        const alternate = p.node.alternate;
        p.node.alternate = alternate ? (t.isIfStatement(alternate) ? alternate : prepend(alternate)) : t.blockStatement([bump(p.node)]);
      },
      ConditionalExpression(p) {
        p.node.consequent = bumpExpr(p.node.consequent);
        p.node.alternate = bumpExpr(p.node.alternate);
      },
      LogicalExpression(p) {
        p.node.right = bumpExpr(p.node.right);
      },
      SwitchCase(p) {
        p.node.consequent.unshift(bump(p.node));
      },
      Loop(p) {
        p.node.body = prepend(p.node.body);
      },
      CatchClause(p) {
        p.node.body.body.unshift(bump(p.node));
      },
    },
  };
}

function compile(source: string, filename: string, counters: { id: number; lines: number[] } | null): string {
  const plugins: NonNullable<Parameters<typeof transformSync>[1]>["plugins"] = [
    ["@babel/plugin-transform-typescript", { allowDeclareFields: true }],
  ];
  if (counters) plugins.push(coveragePlugin(counters));
  const out = transformSync(source, {
    filename,
    cwd: repoRoot,
    babelrc: false,
    configFile: false,
    sourceType: "module",
    plugins,
    compact: false,
  });
  if (!out?.code) throw new Error(`could not compile ${filename}`);
  return out.code;
}

/**
 * Compiles ingest/src into node_modules/.cache (so bare imports resolve to the project's packages), with
 * counters in the files `instrument` selects. Cached by content: a second call with the same sources reuses it.
 */
export function buildInstrumentedTree(instrument: (file: string) => boolean): InstrumentedTree {
  const files = sourceFiles();
  const hash = createHash("sha256").update(String(INSTRUMENTATION_VERSION));
  for (const file of files)
    hash
      .update(file)
      .update(String(instrument(file)))
      .update(readFileSync(path.join(sourceRoot, file)));
  const cacheRoot = path.join(repoRoot, "node_modules/.cache/live-fuzz");
  const dir = path.join(cacheRoot, `build-${hash.digest("hex").slice(0, 16)}`);
  const manifest = path.join(dir, "coverage-map.json");
  // root is this checkout's path to the cache, not the one that built it (node_modules may be shared by worktrees).
  if (existsSync(manifest))
    return { ...(JSON.parse(readFileSync(manifest, "utf8")) as InstrumentedTree), root: path.join(dir, "ingest/src") };

  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const counters = { id: 0, lines: [] as number[] };
  const map: InstrumentedFile[] = [];
  for (const file of files) {
    const source = readFileSync(path.join(sourceRoot, file), "utf8");
    const start = counters.id;
    const code = compile(source, file, instrument(file) ? counters : null);
    if (counters.id > start) map.push({ file, start, end: counters.id });
    const target = path.join(tmp, "ingest/src", file.replace(/\.ts$/, ".js"));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  const tree: InstrumentedTree = { root: path.join(dir, "ingest/src"), counters: counters.id, files: map, lines: counters.lines };
  writeFileSync(path.join(tmp, "coverage-map.json"), JSON.stringify(tree));
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another run built the same tree at the same moment: use theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(manifest)) throw err;
  }
  return tree;
}
