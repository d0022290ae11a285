// One progressive MP4 from a recording, with ffmpeg stream copy (no re-encoding) and +faststart.
// Each run of segments sharing one init segment (no discontinuity) is a valid fragmented MP4 when
// fed as init + segments: ffmpeg reads it from a pipe. A recording with several runs (reconnects)
// gets one intermediate file per run, joined by ffmpeg's concat demuxer, which offsets each run's timestamps.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { BoundedLineSplitter } from "../media/bounded-lines.js";
import { registerChild } from "../media/child-registry.js";
import type { Recording } from "./recording-store.js";
import { recordingInitName, recordingSegmentName } from "./recording-names.js";

export interface ExportOptions {
  ffmpegPath: string;
  recording: Recording;
  /** The MP4 to write: created under a temporary name, renamed when complete. */
  output: string;
  /** 0..1, as the input is read. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

interface Run {
  init: string;
  segments: string[];
  bytes: number;
}

export function runsOf(recording: Recording): Run[] {
  const runs: Run[] = [];
  const initBytes = new Map(recording.index.inits.map((i) => [i.n, i.bytes]));
  let current: Run | null = null;
  let currentInit = -1;
  for (const seg of recording.index.segments) {
    if (!current || seg.disc || seg.init !== currentInit) {
      current = { init: recordingInitName(seg.init), segments: [], bytes: initBytes.get(seg.init) ?? 0 };
      currentInit = seg.init;
      runs.push(current);
    }
    current.segments.push(recordingSegmentName(seg.n));
    current.bytes += seg.bytes;
  }
  return runs;
}

export async function exportMp4(options: ExportOptions): Promise<void> {
  const { recording, output } = options;
  const runs = runsOf(recording);
  if (runs.length === 0) throw new Error(`recording ${recording.meta.id} has no segments`);
  const total = runs.reduce((sum, r) => sum + r.bytes, 0);
  let fed = 0;
  const progress = (bytes: number) => {
    fed += bytes;
    options.onProgress?.(Math.min(1, fed / total));
  };
  const work = path.join(path.dirname(output), `.export-${randomBytes(4).toString("hex")}`);
  const temp = `${output}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    if (runs.length === 1) {
      await remuxRun(options, runs[0]!, temp, ["-movflags", "+faststart"], progress);
    } else {
      await mkdir(work);
      const parts: string[] = [];
      for (const [k, run] of runs.entries()) {
        const part = path.join(work, `run-${k}.mp4`);
        await remuxRun(options, run, part, [], progress);
        parts.push(part);
      }
      const list = path.join(work, "list.txt");
      await writeFile(list, parts.map((p) => `file '${p.replaceAll("'", "'\\''")}'\n`).join(""));
      await runFfmpeg(options, ["-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-movflags", "+faststart", "-f", "mp4", temp]);
    }
    await rename(temp, output);
  } finally {
    await rm(temp, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

/** One run through ffmpeg: init + segments on stdin, an MP4 out. */
function remuxRun(options: ExportOptions, run: Run, output: string, extra: string[], progress: (bytes: number) => void): Promise<void> {
  const args = ["-f", "mp4", "-i", "pipe:0", "-map", "0", "-c", "copy", ...extra, "-f", "mp4", output];
  return runFfmpeg(options, args, async (stdin) => {
    for (const name of [run.init, ...run.segments]) {
      for await (const chunk of createReadStream(path.join(options.recording.dir, name))) {
        if (!stdin.write(chunk)) await new Promise((resolve) => stdin.once("drain", resolve));
        progress((chunk as Buffer).length);
      }
    }
    stdin.end();
  });
}

function runFfmpeg(options: ExportOptions, args: string[], feed?: (stdin: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.ffmpegPath, ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args], {
      stdio: [feed ? "pipe" : "ignore", "ignore", "pipe"],
      signal: options.signal,
    });
    registerChild(child);
    const recent: string[] = [];
    const lines = new BoundedLineSplitter((line) => {
      recent.push(line);
      if (recent.length > 8) recent.shift();
    });
    child.stderr!.on("data", (chunk: Buffer) => lines.push(chunk));
    child.once("error", reject);
    if (feed) {
      // ffmpeg may exit before reading everything (bad input): its exit code tells, not EPIPE.
      child.stdin!.on("error", () => undefined);
      feed(child.stdin!).catch((error: unknown) => {
        child.kill("SIGKILL");
        reject(error as Error);
      });
    }
    child.once("close", (code, signal) => {
      lines.end();
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg failed (${signal ?? `exit ${code}`}): ${recent.join(" | ")}`));
    });
  });
}
