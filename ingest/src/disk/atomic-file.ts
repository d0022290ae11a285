// Crash-safe replacement of a small file: a reader (or the next start after a crash) sees the old
// content or the new one, never a mix or an empty file.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Writes `text` to a temp file in the same folder, fsyncs it, renames it over `file`, then fsyncs the folder. */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // The rename itself is durable only once the folder's entry is on disk.
  await syncDir(dir);
}

/** Makes a rename or a new file in `dir` durable. Some file systems refuse fsync on folders: best effort. */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}

/**
 * The same, blocking: for the rare write that must be on disk before the caller goes on (a few
 * milliseconds on a local disk). Throws (ENOSPC, EACCES) like the async form, leaving the old file.
 */
export function writeFileAtomicSync(file: string, text: string, mode = 0o600): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temp, { force: true });
    throw error;
  }
  let folder: number | undefined;
  try {
    folder = openSync(dir, "r");
    fsyncSync(folder);
  } catch {
    // best effort, as syncDir
  } finally {
    if (folder !== undefined) closeSync(folder);
  }
}
