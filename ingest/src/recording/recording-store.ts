// The recordings on disk: <root>/<stream>/<id>/ (recording.json, index.jsonl, init-<n>.mp4, seg-<n>.m4s,
// recording.mp4 once downloaded). Every name that reaches a path is validated first (stream name, id,
// file name); nothing from a request is ever joined into a path as is.
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { isValidStreamName } from "../keys/stream-name.js";
import { syncDir, writeFileAtomic } from "../disk/atomic-file.js";
import { bytesOf, durationOf, mediaEndOf, parseIndex, parseMeta, type RecordingIndex, type RecordingMeta } from "./recording-index.js";
import { INDEX_FILE, isRecordingId, META_FILE, recordingId, recordingInitName, recordingSegmentName } from "./recording-names.js";
import { RecordingWriter } from "./recording-writer.js";

export interface RecordingSummary {
  stream: string;
  id: string;
  startedAt: string;
  /** null while recording. */
  endedAt: string | null;
  endReason?: string;
  /** Sum of the segments' durations, seconds. */
  durationS: number;
  /** Init and media segments (the MP4 download not included). */
  bytes: number;
  segments: number;
}

export interface Recording {
  meta: RecordingMeta;
  index: RecordingIndex;
  dir: string;
}

interface Cached {
  version: string;
  recording: Recording;
}

const MAX_ID_ATTEMPTS = 999;

export class RecordingStore {
  /** Parsed recordings by folder, valid while their two files keep their size and mtime. */
  private readonly cache = new Map<string, Cached>();

  constructor(readonly root: string) {}

  /** The folder of a recording, or undefined for names that are not a stream name and a recording id. */
  dirOf(stream: string, id: string): string | undefined {
    if (!isValidStreamName(stream) || !isRecordingId(id)) return undefined;
    return path.join(this.root, stream, id);
  }

  /** Streams that have a recordings folder. */
  async streams(): Promise<string[]> {
    return (await listDirs(this.root)).filter(isValidStreamName).sort();
  }

  /** Recordings of `stream` (or of every stream), newest first. Unreadable folders are skipped. */
  async list(stream?: string): Promise<RecordingSummary[]> {
    const streams = stream === undefined ? await this.streams() : isValidStreamName(stream) ? [stream] : [];
    const all: RecordingSummary[] = [];
    for (const s of streams) {
      for (const id of (await listDirs(path.join(this.root, s))).filter(isRecordingId)) {
        const recording = await this.read(s, id);
        if (recording) all.push(summarize(recording));
      }
    }
    return all.sort((a, b) => (a.startedAt === b.startedAt ? b.id.localeCompare(a.id) : b.startedAt.localeCompare(a.startedAt)));
  }

  /** One recording, or undefined when unknown, invalid or unreadable. */
  async read(stream: string, id: string): Promise<Recording | undefined> {
    const dir = this.dirOf(stream, id);
    if (!dir) return undefined;
    const metaFile = path.join(dir, META_FILE);
    const indexFile = path.join(dir, INDEX_FILE);
    let version: string;
    try {
      const [m, i] = await Promise.all([stat(metaFile), stat(indexFile).catch(() => null)]);
      version = `${m.ino}:${m.size}:${m.mtimeMs}/${i ? `${i.size}:${i.mtimeMs}` : "-"}`;
    } catch {
      this.cache.delete(dir);
      return undefined;
    }
    const cached = this.cache.get(dir);
    if (cached && cached.version === version) return cached.recording;
    try {
      const meta = parseMeta(await readFile(metaFile, "utf8"));
      if (!meta || meta.id !== id || meta.stream !== stream) return undefined;
      const indexText = await readFile(indexFile, "utf8").catch(() => "");
      const recording: Recording = { meta, index: parseIndex(indexText), dir };
      this.cache.set(dir, { version, recording });
      return recording;
    } catch {
      return undefined;
    }
  }

  /**
   * A new recording of `stream` starting at `startedAt`: its folder (id from the start time, a suffix if
   * taken), recording.json without endedAt, and an open journal.
   */
  async create(stream: string, startedAt: number): Promise<RecordingWriter> {
    if (!isValidStreamName(stream)) throw new Error(`invalid stream name ${JSON.stringify(stream)}`);
    const streamDir = path.join(this.root, stream);
    await mkdir(streamDir, { recursive: true });
    for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt++) {
      const id = recordingId(startedAt, attempt);
      const dir = path.join(streamDir, id);
      try {
        await mkdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
        throw error;
      }
      await syncDir(streamDir);
      const meta: RecordingMeta = { version: 1, id, stream, startedAt: new Date(startedAt).toISOString(), endedAt: null };
      const writer = new RecordingWriter(dir, meta);
      try {
        await writeFileAtomic(path.join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
        await writer.open();
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      return writer;
    }
    throw new Error(`no free recording id for ${stream} at ${new Date(startedAt).toISOString()}`);
  }

  /**
   * Deletes a recording: renamed out of sight first (readers never see half a recording), then removed.
   * Returns false when it does not exist.
   */
  async delete(stream: string, id: string): Promise<boolean> {
    const dir = this.dirOf(stream, id);
    if (!dir) return false;
    const trash = path.join(this.root, stream, `.deleted-${id}-${randomBytes(4).toString("hex")}`);
    try {
      await rename(dir, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    this.cache.delete(dir);
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  /**
   * After a crash: every recording still marked in progress (none is, in a process that just started)
   * ends where its last indexed segment ends; files the journal does not name (the segment being
   * written, temp files) are removed; a recording without a single segment is deleted.
   * Returns the recordings it ended or deleted.
   */
  async recover(): Promise<Array<{ stream: string; id: string; outcome: "ended" | "deleted" }>> {
    const done: Array<{ stream: string; id: string; outcome: "ended" | "deleted" }> = [];
    for (const stream of await this.streams()) {
      const streamDir = path.join(this.root, stream);
      for (const name of await listDirs(streamDir)) {
        if (name.startsWith(".deleted-")) await rm(path.join(streamDir, name), { recursive: true, force: true });
      }
      for (const id of (await listDirs(streamDir)).filter(isRecordingId)) {
        const recording = await this.read(stream, id);
        if (!recording) continue;
        if (recording.meta.endedAt !== null) continue;
        if (recording.index.segments.length === 0) {
          await this.delete(stream, id);
          done.push({ stream, id, outcome: "deleted" });
          continue;
        }
        await removeUnindexed(recording);
        const endedAt = mediaEndOf(recording.index) ?? Date.parse(recording.meta.startedAt);
        const meta: RecordingMeta = { ...recording.meta, endedAt: new Date(endedAt).toISOString(), endReason: "recovered after a crash" };
        await writeFileAtomic(path.join(recording.dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
        done.push({ stream, id, outcome: "ended" });
      }
    }
    return done;
  }
}

export function summarize(recording: Recording): RecordingSummary {
  const { meta, index } = recording;
  return {
    stream: meta.stream,
    id: meta.id,
    startedAt: meta.startedAt,
    endedAt: meta.endedAt,
    ...(meta.endReason !== undefined ? { endReason: meta.endReason } : {}),
    durationS: Math.round(durationOf(index) * 1000) / 1000,
    bytes: bytesOf(index),
    segments: index.segments.length,
  };
}

async function removeUnindexed(recording: Recording): Promise<void> {
  const named = new Set([
    META_FILE,
    INDEX_FILE,
    ...recording.index.inits.map((i) => recordingInitName(i.n)),
    ...recording.index.segments.map((s) => recordingSegmentName(s.n)),
  ]);
  for (const entry of await readdir(recording.dir)) {
    if (!named.has(entry)) await rm(path.join(recording.dir, entry), { recursive: true, force: true });
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
