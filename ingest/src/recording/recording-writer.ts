// Writes one recording as its segments close: each file is written and fsynced first, then named in the
// index journal (appended, fsynced). After a crash the index lists only complete files.
import { open, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../disk/atomic-file.js";
import { formatIndexLine, type IndexLine, type RecordingMeta } from "./recording-index.js";
import { INDEX_FILE, META_FILE, recordingInitName, recordingSegmentName } from "./recording-names.js";

export class RecordingWriter {
  private index: FileHandle | null = null;
  /** Journal length after the last complete line: a failed append is cut back to it. */
  private indexSize = 0;
  private segments = 0;
  private bytesWritten = 0;
  private durationS = 0;
  private lastEnd: number | undefined;

  constructor(
    readonly dir: string,
    readonly meta: RecordingMeta,
  ) {}

  get segmentCount(): number {
    return this.segments;
  }

  get bytes(): number {
    return this.bytesWritten;
  }

  /** When the last written segment ends (epoch ms): the recording's end, not when the show's grace period ran out. */
  get mediaEnd(): number | undefined {
    return this.lastEnd;
  }

  get duration(): number {
    return this.durationS;
  }

  /** Opens the index journal (the folder and recording.json exist already: see RecordingStore.create). */
  async open(): Promise<void> {
    this.index = await open(path.join(this.dir, INDEX_FILE), "a", 0o644);
    this.indexSize = (await this.index.stat()).size;
  }

  async writeInit(n: number, bytes: Uint8Array): Promise<void> {
    await this.writeMedia(recordingInitName(n), bytes);
    await this.append({ t: "init", n, bytes: bytes.length });
    this.bytesWritten += bytes.length;
  }

  async writeSegment(entry: { init: number; dur: number; pdt: number; disc: boolean }, bytes: Uint8Array): Promise<void> {
    const n = this.segments;
    await this.writeMedia(recordingSegmentName(n), bytes);
    await this.append({ t: "seg", n, init: entry.init, dur: entry.dur, bytes: bytes.length, pdt: entry.pdt, disc: entry.disc });
    this.segments++;
    this.bytesWritten += bytes.length;
    this.durationS += entry.dur;
    this.lastEnd = entry.pdt + entry.dur * 1000;
  }

  /** recording.json gets endedAt; the journal is closed. */
  async end(endedAt: number, reason: string): Promise<void> {
    await this.close();
    const meta: RecordingMeta = { ...this.meta, endedAt: new Date(endedAt).toISOString(), endReason: reason };
    await writeFileAtomic(path.join(this.dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  }

  async close(): Promise<void> {
    const index = this.index;
    this.index = null;
    await index?.close();
  }

  private async writeMedia(name: string, bytes: Uint8Array): Promise<void> {
    const file = path.join(this.dir, name);
    try {
      const handle = await open(file, "w", 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
  }

  private async append(line: IndexLine): Promise<void> {
    if (!this.index) throw new Error(`recording ${this.meta.id} is closed`);
    const text = Buffer.from(formatIndexLine(line), "utf8");
    try {
      await this.index.appendFile(text);
      await this.index.datasync();
    } catch (error) {
      // A torn line would hide every later line from the reader: cut it off (best effort: the disk may be full).
      await this.index.truncate(this.indexSize).catch(() => undefined);
      throw error;
    }
    this.indexSize += text.length;
  }
}
