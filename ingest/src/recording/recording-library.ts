// What HTTP (and the CLI) read about recordings: summaries, VOD playlists, media files, the MP4 download.
// The MP4 is made once per recording (ffmpeg, stream copy) and kept next to it; concurrent requests
// for it share one ffmpeg run.
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { StreamWarning } from "../streams/stream-view.js";
import { resolveFfmpeg } from "../media/ffmpeg-path.js";
import { exportMp4 } from "./mp4-export.js";
import type { Recorder } from "./recorder.js";
import { DOWNLOAD_NAME, recordingInitName, recordingSegmentName } from "./recording-names.js";
import { summarize, type RecordingStore, type RecordingSummary } from "./recording-store.js";
import { renderVodPlaylist } from "./vod-playlist.js";

export type DownloadResult =
  | { kind: "file"; path: string }
  | { kind: "not-found" }
  | { kind: "in-progress" }
  | { kind: "no-ffmpeg"; message: string };

export interface RecordingLibraryOptions {
  store: RecordingStore;
  /** The running recorder (warnings of paused recordings); absent when recording is off for the whole ingest. */
  recorder?: Recorder;
  logger: Logger;
  /** The ffmpeg binary for downloads, or null when there is none. Default: resolveFfmpeg(), remembered once found. */
  findFfmpeg?: () => Promise<string | null>;
}

export class RecordingLibrary {
  private readonly log: Logger;
  private readonly exports = new Map<string, Promise<void>>();
  private ffmpegPath: string | null = null;

  constructor(private readonly options: RecordingLibraryOptions) {
    this.log = options.logger.child({ component: "recordings" });
  }

  /** A stream's recordings, newest first; one that has no segment yet (just created) is not listed. */
  async list(stream: string): Promise<RecordingSummary[]> {
    return (await this.options.store.list(stream)).filter((r) => r.segments > 0);
  }

  /** Streams that have at least one recording, by name. */
  async streams(): Promise<string[]> {
    return [...new Set((await this.options.store.list()).map((r) => r.stream))].sort();
  }

  warnings(stream: string): StreamWarning[] {
    return this.options.recorder?.warnings(stream) ?? [];
  }

  /** The media playlist of a recording: VOD once ended, EVENT while recording. */
  async playlist(stream: string, id: string): Promise<{ text: string; ended: boolean } | undefined> {
    const recording = await this.options.store.read(stream, id);
    if (!recording || recording.index.segments.length === 0) return undefined;
    const ended = recording.meta.endedAt !== null;
    return { text: renderVodPlaylist(recording.index, ended), ended };
  }

  /** The path of an init or media segment the recording's index names (never an unindexed file). */
  async mediaFile(stream: string, id: string, name: string): Promise<string | undefined> {
    const recording = await this.options.store.read(stream, id);
    if (!recording) return undefined;
    const { inits, segments } = recording.index;
    const indexed = inits.some((i) => recordingInitName(i.n) === name) || segments.some((s) => recordingSegmentName(s.n) === name);
    return indexed ? path.join(recording.dir, name) : undefined;
  }

  /** The recording as one MP4, made on first request. */
  async download(stream: string, id: string, onProgress?: (fraction: number) => void): Promise<DownloadResult> {
    const recording = await this.options.store.read(stream, id);
    if (!recording || recording.index.segments.length === 0) return { kind: "not-found" };
    if (recording.meta.endedAt === null) return { kind: "in-progress" };
    const file = path.join(recording.dir, DOWNLOAD_NAME);
    if (await exists(file)) return { kind: "file", path: file };
    const ffmpegPath = await this.ffmpeg();
    if (!ffmpegPath) {
      return {
        kind: "no-ffmpeg",
        message:
          "MP4 downloads need ffmpeg on the ingest server (apt-get install ffmpeg, or set FFMPEG_PATH); the replay itself plays without it",
      };
    }
    let job = this.exports.get(file);
    if (!job) {
      const started = Date.now();
      job = exportMp4({ ffmpegPath, recording, output: file, ...(onProgress ? { onProgress } : {}) })
        .then(() => this.log.info({ stream, recording: id, ms: Date.now() - started }, "MP4 download made"))
        .finally(() => this.exports.delete(file));
      this.exports.set(file, job);
    }
    await job;
    return { kind: "file", path: file };
  }

  /** Summary of one recording, or undefined. */
  async summary(stream: string, id: string): Promise<RecordingSummary | undefined> {
    const recording = await this.options.store.read(stream, id);
    return recording ? summarize(recording) : undefined;
  }

  private async ffmpeg(): Promise<string | null> {
    if (this.ffmpegPath) return this.ffmpegPath;
    const find =
      this.options.findFfmpeg ??
      (() =>
        resolveFfmpeg().then(
          (b) => b.path,
          () => null,
        ));
    this.ffmpegPath = await find();
    return this.ffmpegPath;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
