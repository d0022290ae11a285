import type { Logger } from "pino";
import { formatAccessMode, PUBLIC, type AccessMode } from "./access-mode.js";

export interface StreamAccessTableOptions {
  /** Reads every stream's mode (the keys file); throws when the file is unusable. */
  load: () => Promise<ReadonlyMap<string, AccessMode>>;
  /** How often the file is checked (a stat; re-read only when it changed). Default 1000 ms. */
  refreshMs?: number;
  logger: Logger;
  /** Called after each change with the new table. */
  onChange?: (modes: ReadonlyMap<string, AccessMode>) => void;
}

/**
 * Per-stream access modes, kept in memory so the guard answers without I/O, refreshed from the keys file
 * every second: `keys access` applies to a running ingest within about a second. When the file becomes
 * unusable the last good table stays (logged), so a broken edit never opens a members-only stream.
 */
export class StreamAccessTable {
  private modes: ReadonlyMap<string, AccessMode> = new Map();
  private signature = "";
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly options: StreamAccessTableOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 1000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  modeOf(stream: string): AccessMode {
    return this.modes.get(stream) ?? PUBLIC;
  }

  all(): ReadonlyMap<string, AccessMode> {
    return this.modes;
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    let modes: ReadonlyMap<string, AccessMode>;
    try {
      modes = await this.options.load();
    } catch (error) {
      if (!this.failing)
        this.options.logger.error({ err: (error as Error).message }, "keys file unusable: stream access modes kept as they were");
      this.failing = true;
      return;
    }
    this.failing = false;
    const signature = [...modes]
      .map(([stream, mode]) => `${stream}=${formatAccessMode(mode)}`)
      .sort()
      .join(" ");
    if (signature === this.signature) return;
    this.signature = signature;
    this.modes = modes;
    this.options.logger.info({ protected: signature || "none" }, "stream access modes loaded");
    this.options.onChange?.(modes);
  }
}
