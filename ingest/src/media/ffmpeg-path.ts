// Finds a working ffmpeg (and ffprobe) binary: FFMPEG_PATH -> ffmpeg-static -> ffmpeg on PATH.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";

type BinarySource = "FFMPEG_PATH" | "FFPROBE_PATH" | "ffmpeg-static" | "PATH";

export interface ResolvedBinary {
  path: string;
  source: BinarySource;
  /** First line of `-version`, e.g. "ffmpeg version 5.1.9-0+deb12u1 ...". */
  version: string;
}

interface ResolveOptions {
  /** Loads ffmpeg-static's binary path; defaults to a dynamic import (the package is optional). */
  loadStatic?: () => Promise<string | null>;
  /** Time allowed for `<binary> -version`. */
  timeoutMs?: number;
}

const VERSION_TIMEOUT_MS = 5_000;

async function loadFfmpegStatic(): Promise<string | null> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const name = "ffmpeg-static";
  try {
    const mod = (await import(name)) as { default?: unknown };
    return typeof mod.default === "string" ? mod.default : null;
  } catch {
    return null;
  }
}

/** Runs `<file> -version`; resolves its first line or rejects with a short reason. */
function probeVersion(file: string, timeoutMs = VERSION_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, ["-version"], { timeout: timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new Error(code === "ENOENT" ? "not found" : code === "EACCES" ? "not executable" : err.message.split("\n")[0]));
        return;
      }
      resolve(stdout.split("\n")[0]!.trim());
    });
  });
}

/** Absolute path of `name` in the PATH of `env`, or null. */
async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

async function firstWorking(
  candidates: Array<{ source: BinarySource; label: string; find: () => Promise<string | null> }>,
  timeoutMs: number,
): Promise<{ found: ResolvedBinary | null; failures: string[] }> {
  const failures: string[] = [];
  for (const c of candidates) {
    const file = await c.find();
    if (!file) {
      failures.push(`${c.label}: not available`);
      continue;
    }
    try {
      return { found: { path: file, source: c.source, version: await probeVersion(file, timeoutMs) }, failures };
    } catch (err) {
      failures.push(`${c.label}: ${file} does not run (${(err as Error).message})`);
    }
  }
  return { found: null, failures };
}

/**
 * Resolves the ffmpeg binary: `FFMPEG_PATH`, then the optional `ffmpeg-static` package, then `ffmpeg`
 * on PATH. Each candidate must run `-version`. Throws one Error naming all three when none works.
 */
export async function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env, options: ResolveOptions = {}): Promise<ResolvedBinary> {
  const { found, failures } = await firstWorking(
    [
      { source: "FFMPEG_PATH", label: "FFMPEG_PATH", find: async () => env.FFMPEG_PATH || null },
      { source: "ffmpeg-static", label: "ffmpeg-static (optional npm package)", find: options.loadStatic ?? loadFfmpegStatic },
      { source: "PATH", label: "ffmpeg on PATH", find: () => findOnPath("ffmpeg", env) },
    ],
    options.timeoutMs ?? VERSION_TIMEOUT_MS,
  );
  if (found) return found;
  throw new Error(
    `No working ffmpeg found (tried ${failures.join("; ")}). ` +
      "Install one: `apt-get install ffmpeg` (Debian/Ubuntu), or `npm install ffmpeg-static`, " +
      "or set FFMPEG_PATH to an ffmpeg binary.",
  );
}

/** Resolves ffprobe: `FFPROBE_PATH`, then `ffprobe` on PATH (used by tests and diagnostics). */
export async function resolveFfprobe(env: NodeJS.ProcessEnv = process.env, options: ResolveOptions = {}): Promise<ResolvedBinary> {
  const { found, failures } = await firstWorking(
    [
      { source: "FFPROBE_PATH", label: "FFPROBE_PATH", find: async () => env.FFPROBE_PATH || null },
      { source: "PATH", label: "ffprobe on PATH", find: () => findOnPath("ffprobe", env) },
    ],
    options.timeoutMs ?? VERSION_TIMEOUT_MS,
  );
  if (found) return found;
  throw new Error(
    `No working ffprobe found (tried ${failures.join("; ")}). ` +
      "Install one: `apt-get install ffmpeg` (Debian/Ubuntu), or set FFPROBE_PATH.",
  );
}
