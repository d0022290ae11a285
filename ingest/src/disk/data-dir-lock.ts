// One ingest per data folder: two would publish the same streams twice and, from item to item, share
// the keys file and the persisted media sequence numbers. The lock names its owner so the second
// start can say which process to stop.
import path from "node:path";
import { acquireLock, LockHeldError, type HeldLock } from "./lock-file.js";

export const DATA_DIR_LOCK_FILE = "ingest.lock";

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockHeldError["owner"],
  ) {
    const ports = [
      owner["rtmpPort"] !== undefined ? `RTMP port ${String(owner["rtmpPort"])}` : "",
      owner["httpPort"] !== undefined ? `HTTP port ${String(owner["httpPort"])}` : "",
    ]
      .filter(Boolean)
      .join(", ");
    super(
      `data folder ${dataDir} is in use by another ingest (pid ${owner.pid ?? "?"}${owner.host ? ` on ${owner.host}` : ""}${ports ? `, ${ports}` : ""}, since ${owner.since ?? "?"}); ` +
        `stop it or give this one another --data-dir`,
    );
    this.name = "DataDirInUseError";
  }
}

/** Takes `<dataDir>/ingest.lock` or throws DataDirInUseError. A lock left by a dead ingest is taken over. */
export async function lockDataDir(dataDir: string, details: Record<string, unknown>): Promise<HeldLock> {
  try {
    return await acquireLock(path.join(dataDir, DATA_DIR_LOCK_FILE), { details });
  } catch (error) {
    if (error instanceof LockHeldError) throw new DataDirInUseError(path.resolve(dataDir), error.owner);
    throw error;
  }
}
