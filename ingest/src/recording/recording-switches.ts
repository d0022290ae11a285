// Per-stream recording switch: streams listed here are not recorded. Kept beside the recordings
// (<root>/switches.json, replaced atomically), not in the keys file: turning recording off must never
// risk the file that lets performers in. The running ingest re-reads it when it changes (no restart).
import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { isValidStreamName, STREAM_NAME_PATTERN } from "../keys/stream-name.js";
import { writeFileAtomic } from "../disk/atomic-file.js";
import { SWITCHES_FILE } from "./recording-names.js";

const switchesSchema = z.strictObject({
  version: z.literal(1),
  /** Stream -> when recording was turned off (ISO). */
  off: z.record(z.string().regex(STREAM_NAME_PATTERN), z.iso.datetime()),
});
type Switches = z.infer<typeof switchesSchema>;

export class RecordingSwitchesError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`recording switches ${file}: ${reason}`);
    this.name = "RecordingSwitchesError";
  }
}

export class RecordingSwitches {
  readonly file: string;
  private cached: { version: string; off: Set<string> } | undefined;

  constructor(root: string) {
    this.file = path.join(root, SWITCHES_FILE);
  }

  /**
   * Whether `stream` is recorded. Re-reads the file when its inode, size or mtime changed. An unreadable
   * or malformed file keeps the last good answer (recording on when there never was one): a broken
   * switch file must not silently stop every recording, nor crash the live show.
   */
  async isOn(stream: string): Promise<boolean> {
    const version = await fileVersion(this.file);
    if (this.cached?.version !== version) {
      try {
        this.cached = { version, off: new Set(Object.keys((await this.read()).off)) };
      } catch {
        this.cached = { version, off: this.cached?.off ?? new Set() };
      }
    }
    return !this.cached.off.has(stream);
  }

  async offStreams(): Promise<string[]> {
    return Object.keys((await this.read()).off).sort();
  }

  /** Turns recording of `stream` on or off; returns false when it already was. */
  async set(stream: string, on: boolean, now = new Date()): Promise<boolean> {
    if (!isValidStreamName(stream)) throw new RecordingSwitchesError(this.file, `invalid stream name ${JSON.stringify(stream)}`);
    const content = await this.read();
    if (stream in content.off === !on) return false;
    if (on) delete content.off[stream];
    else content.off[stream] = now.toISOString();
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, `${JSON.stringify(content, null, 2)}\n`);
    return true;
  }

  private async read(): Promise<Switches> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, off: {} };
      throw new RecordingSwitchesError(this.file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new RecordingSwitchesError(this.file, `is not valid JSON (${(error as Error).message})`);
    }
    const parsed = switchesSchema.safeParse(json);
    if (!parsed.success) throw new RecordingSwitchesError(this.file, `unexpected content: ${parsed.error.issues[0]!.message}`);
    return parsed.data;
  }
}

async function fileVersion(file: string): Promise<string> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "error";
  }
}
