// Ends live publishes whose key was revoked or replaced. The reason to revoke is a leaked key in use,
// so refusing only new connections is not enough. The keys file is polled (a stat per interval; the
// `keys` command replaces it by rename, which file watchers follow poorly) and, when it changed, every
// running publish is checked against its stream's current key.
import type { Logger } from "pino";
import type { KeyStore } from "./key-store.js";

/** What the watch needs of a running publish (the hub's publisher of a stream). */
export interface KeyedPublish {
  readonly stream: string;
  /** fingerprint() of the key it authenticated with. */
  readonly keyFingerprint: string;
  close(reason: string): void;
}

export interface RevocationWatchOptions {
  keys: KeyStore;
  /** The publishes running now. */
  publishes: () => Iterable<KeyedPublish>;
  logger: Logger;
  /** Default 1000: a revoked key's publish ends within about a second. */
  intervalMs?: number;
}

export class RevocationWatch {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: RevocationWatchOptions) {
    this.log = options.logger.child({ component: "keys" });
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.check().finally(() => {
        this.running = undefined;
      });
    }, this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Closes every publish whose stream has no key any more, or another key than the one it used. */
  async check(): Promise<void> {
    const current = await this.options.keys.fingerprints();
    // An unusable file refuses new publishes (fail closed) but is no revocation: running shows go on.
    if (current === null) return;
    for (const publish of this.options.publishes()) {
      const now = current.get(publish.stream);
      if (now === publish.keyFingerprint) continue;
      this.log.warn(
        { stream: publish.stream, key: publish.keyFingerprint, current: now ?? null },
        "key revoked or replaced: ending its publish",
      );
      publish.close(now === undefined ? "stream key revoked" : "stream key replaced");
    }
  }
}
