// Media sequence numbers reserved on disk before they are used, so that after a restart (or a crash)
// a stream's numbering continues above every number it ever served, whatever the clock says and however
// fast its publisher sent media. Parts and segments are `immutable` for a year: a name such as
// `seg-<msn>.m4s` must never come back with other bytes.
//
// One small file per data folder (`media-sequence.json`: { version: 1, streams: { <name>: <limit> } }),
// where every msn a stream has used is below its limit. Raising a limit writes the file crash-safe and
// synchronously, before the part that needs it is listed or served; limits are raised in blocks, so
// that happens once per `blockSize` segments (about once every 15-60 minutes for a real-time stream).
// One ingest per data folder (disk/data-dir-lock.ts) makes this process the file's only writer.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { writeFileAtomicSync } from "../disk/atomic-file.js";

export const MSN_RESERVATIONS_FILE = "media-sequence.json";

export interface MsnReservationsOptions {
  /** The data folder; undefined keeps limits in memory only (tests, embedding without a folder). */
  dataDir?: string;
  /** Numbers reserved per write. Default 1000. */
  blockSize?: number;
  logger: Logger;
}

export class MsnReservations {
  private readonly file: string | undefined;
  private readonly blockSize: number;
  private readonly log: Logger;
  private readonly limits = new Map<string, number>();
  private failing = false;

  private constructor(options: MsnReservationsOptions) {
    this.file = options.dataDir === undefined ? undefined : path.join(options.dataDir, MSN_RESERVATIONS_FILE);
    this.blockSize = options.blockSize ?? 1_000;
    this.log = options.logger.child({ component: "msn-reservations" });
  }

  /** Reads the file (missing: nothing reserved yet). An unreadable or malformed file is logged and counted as empty. */
  static async load(options: MsnReservationsOptions): Promise<MsnReservations> {
    const reservations = new MsnReservations(options);
    if (reservations.file === undefined) return reservations;
    let text: string;
    try {
      text = await readFile(reservations.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        reservations.log.error(
          { err: error, file: reservations.file },
          "media sequence file unreadable: numbering falls back to the clock",
        );
      return reservations;
    }
    try {
      const json = JSON.parse(text) as { version?: unknown; streams?: Record<string, unknown> };
      if (json.version !== 1 || typeof json.streams !== "object" || json.streams === null)
        throw new Error("expected { version: 1, streams: {...} }");
      for (const [stream, limit] of Object.entries(json.streams)) {
        if (Number.isSafeInteger(limit) && (limit as number) >= 0) reservations.limits.set(stream, limit as number);
      }
    } catch (error) {
      reservations.log.error({ err: error, file: reservations.file }, "media sequence file malformed: numbering falls back to the clock");
    }
    return reservations;
  }

  /** Every msn `stream` used before (in this process or an earlier one) is below this. */
  floor(stream: string): number {
    return this.limits.get(stream) ?? 0;
  }

  /**
   * Makes sure `msn` is reserved for `stream` before it is used: below the limit on disk. Blocks for one
   * write when the limit must rise. A failed write (disk full) is logged; numbering then relies on the clock.
   */
  reserve(stream: string, msn: number): void {
    if (msn < this.floor(stream)) return;
    this.limits.set(stream, msn + this.blockSize);
    if (this.file === undefined) return;
    try {
      writeFileAtomicSync(this.file, `${JSON.stringify({ version: 1, streams: Object.fromEntries(this.limits) })}\n`);
      if (this.failing) this.log.info({ file: this.file }, "media sequence file written again");
      this.failing = false;
    } catch (error) {
      if (!this.failing)
        this.log.error(
          { err: error, file: this.file },
          "media sequence file not written: after a restart, numbering falls back to the clock",
        );
      this.failing = true;
    }
  }
}
