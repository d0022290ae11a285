import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import type { Logger } from "pino";
import { formatAccessMode, parseAccessMode, PUBLIC, type AccessMode } from "../access/access-mode.js";
import { acquireLock } from "../disk/lock-file.js";
import { formatRenditionList, parseRenditionList, type RenditionName } from "../transcode/rendition-ladder.js";
import { fingerprint, generateKey, hashKey, looksLikeKey, verifyKey } from "./key-material.js";
import { emptyKeysFile, KeysFileError, readKeysFile, writeKeysFile, type KeysFileContent } from "./keys-file.js";
import { isValidStreamName, STREAM_NAME_RULE } from "./stream-name.js";

export interface KeyInfo {
  stream: string;
  fingerprint: string;
  createdAt: string;
  updatedAt: string;
  /** `public`, `members` or `groups:<a>,<b>`. */
  access: string;
  /** "480p,360p", "none", or "default" (the ingest's --renditions). */
  renditions: string;
}

export interface AddedKey {
  stream: string;
  /** The secret: shown to the user once, never stored. */
  key: string;
  fingerprint: string;
  /** A previous key of this stream was replaced (and stops working). */
  replaced: boolean;
}

export class InvalidStreamNameError extends Error {
  constructor(readonly stream: string) {
    super(`invalid stream name ${JSON.stringify(stream)}: expected ${STREAM_NAME_RULE}`);
    this.name = "InvalidStreamNameError";
  }
}

export interface KeyStoreOptions {
  file: string;
  logger?: Logger;
  now?: () => Date;
  /** How long a change waits for another process's change (`<file>.lock`) before it fails. Default 10 000. */
  lockWaitMs?: number;
}

interface Snapshot {
  /** Identity of the file version this snapshot was read from (inode, size, mtime). */
  version: string;
  content?: KeysFileContent;
  error?: KeysFileError;
  /** fingerprint -> stream names: a key is verified with scrypt only against entries sharing its fingerprint. */
  byFingerprint: Map<string, string[]>;
  /** sha256(key) -> stream, for keys already verified against this version (reconnects skip scrypt). */
  verified: Map<string, string>;
}

/**
 * The keys file: one salted scrypt hash per public stream name, never the key itself.
 * `authenticate` re-reads the file when its inode, size or mtime changed, so `keys add` and
 * `keys revoke` take effect on a running ingest. A file that became unreadable or malformed
 * denies every key (fail closed) and logs why, until it is fixed.
 */
export class KeyStore {
  readonly file: string;
  private readonly logger: Logger | undefined;
  private readonly now: () => Date;
  private readonly lockWaitMs: number;
  private snapshot: Snapshot | undefined;
  private refreshing: Promise<Snapshot> | undefined;

  constructor(options: KeyStoreOptions) {
    this.file = options.file;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
    // Other commands hold the lock for a read, a change and a write (milliseconds); longer means a stuck one.
    this.lockWaitMs = options.lockWaitMs ?? 10_000;
  }

  /** Validates the file. Returns false when it does not exist; throws KeysFileError when it is unusable. */
  async check(): Promise<boolean> {
    return (await readKeysFile(this.file)) !== undefined;
  }

  async list(): Promise<KeyInfo[]> {
    const content = (await readKeysFile(this.file)) ?? emptyKeysFile();
    return Object.entries(content.streams)
      .map(([stream, e]) => ({
        stream,
        fingerprint: e.fingerprint,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        access: e.access ?? "public",
        renditions: e.renditions ?? "default",
      }))
      .sort((a, b) => a.stream.localeCompare(b.stream));
  }

  /** Creates a key for `stream`, replacing its previous key if any. The returned key is never stored. */
  async add(stream: string): Promise<AddedKey> {
    if (!isValidStreamName(stream)) throw new InvalidStreamNameError(stream);
    // scrypt runs before the lock is taken: the lock is held only for read, change, write.
    const key = generateKey();
    const hashed = await hashKey(key);
    const replaced = await this.update((content) => {
      const stamp = this.now().toISOString();
      const previous = content.streams[stream];
      content.streams[stream] = {
        fingerprint: fingerprint(key),
        ...hashed,
        createdAt: previous?.createdAt ?? stamp,
        updatedAt: stamp,
        // A new key does not change who may watch.
        ...(previous?.access !== undefined ? { access: previous.access } : {}),
        ...(previous?.renditions !== undefined ? { renditions: previous.renditions } : {}),
      };
      return previous !== undefined;
    });
    return { stream, key, fingerprint: fingerprint(key), replaced };
  }

  /** Deletes the key of `stream`; false when it had none. */
  async revoke(stream: string): Promise<boolean> {
    if (!isValidStreamName(stream)) throw new InvalidStreamNameError(stream);
    return this.update((content) => {
      if (content.streams[stream] === undefined) return false;
      delete content.streams[stream];
      return true;
    });
  }

  /**
   * The one way to change the keys file, for every command (add, revoke and any later per-stream setting):
   * takes the lock next to the file (`<file>.lock`, waiting up to `lockWaitMs` for another command), reads the
   * current file, lets `change` edit it in place (its result is returned; throwing aborts without writing),
   * writes it back crash-safe only if something changed, and releases the lock. Concurrent changes from
   * several processes all land, or one fails loudly (LockHeldError, KeysFileError); none is lost.
   */
  async update<T>(change: (content: KeysFileContent) => T | Promise<T>): Promise<T> {
    const lock = await acquireLock(`${this.file}.lock`, { waitMs: this.lockWaitMs, details: { purpose: "keys file change" } });
    try {
      const content = (await readKeysFile(this.file)) ?? emptyKeysFile();
      const before = JSON.stringify(content);
      const result = await change(content);
      if (JSON.stringify(content) !== before) {
        await writeKeysFile(this.file, content);
        this.snapshot = undefined;
      }
      return result;
    } finally {
      await lock.release();
    }
  }

  /** Sets who may watch `stream`; false when the stream has no key. `public` is stored as no entry. */
  async setAccess(stream: string, mode: AccessMode): Promise<boolean> {
    if (!isValidStreamName(stream)) throw new InvalidStreamNameError(stream);
    return this.update((content) => {
      const entry = content.streams[stream];
      if (!entry) return false;
      if (mode.kind === "public") delete entry.access;
      else entry.access = formatAccessMode(mode);
      return true;
    });
  }

  /** Sets the renditions of `stream` (null: the ingest's --renditions); false when the stream has no key. */
  async setRenditions(stream: string, renditions: readonly RenditionName[] | null): Promise<boolean> {
    if (!isValidStreamName(stream)) throw new InvalidStreamNameError(stream);
    return this.update((content) => {
      const entry = content.streams[stream];
      if (!entry) return false;
      if (renditions === null) delete entry.renditions;
      else entry.renditions = formatRenditionList(renditions);
      return true;
    });
  }

  /** Streams with their own renditions setting -> that list, from the current file version. Throws KeysFileError when unusable. */
  async renditionSettings(): Promise<Map<string, RenditionName[]>> {
    const snapshot = await this.current();
    if (snapshot.error) throw snapshot.error;
    const settings = new Map<string, RenditionName[]>();
    for (const [stream, entry] of Object.entries(snapshot.content?.streams ?? {})) {
      if (entry.renditions !== undefined) settings.set(stream, parseRenditionList(entry.renditions)!);
    }
    return settings;
  }

  /**
   * Every protected stream's access mode (streams not listed are public), from the current file version.
   * Throws KeysFileError when the file is unusable.
   */
  async accessModes(): Promise<Map<string, AccessMode>> {
    const snapshot = await this.current();
    if (snapshot.error) throw snapshot.error;
    const modes = new Map<string, AccessMode>();
    for (const [stream, entry] of Object.entries(snapshot.content?.streams ?? {})) {
      const mode = entry.access === undefined ? PUBLIC : parseAccessMode(entry.access)!;
      if (mode.kind !== "public") modes.set(stream, mode);
    }
    return modes;
  }

  /**
   * stream -> fingerprint of its current key, from the current file version (re-read when it changed);
   * null while the file is unusable.
   */
  async fingerprints(): Promise<Map<string, string> | null> {
    const snapshot = await this.current();
    if (!snapshot.content) return null;
    return new Map(Object.entries(snapshot.content.streams).map(([stream, entry]) => [stream, entry.fingerprint]));
  }

  /** The public stream name for a secret key, or null. */
  async authenticate(key: string): Promise<string | null> {
    if (typeof key !== "string" || !looksLikeKey(key)) return null;
    const snapshot = await this.current();
    if (!snapshot.content) return null;
    const candidates = snapshot.byFingerprint.get(fingerprint(key));
    if (!candidates) return null;

    const digest = createHash("sha256").update(key, "utf8").digest("hex");
    const known = snapshot.verified.get(digest);
    if (known !== undefined) return known;
    for (const stream of candidates) {
      const entry = snapshot.content.streams[stream]!;
      if (await verifyKey(key, entry)) {
        if (this.snapshot === snapshot) snapshot.verified.set(digest, stream);
        return stream;
      }
    }
    return null;
  }

  private async current(): Promise<Snapshot> {
    const version = await this.fileVersion();
    if (this.snapshot && this.snapshot.version === version) return this.snapshot;
    this.refreshing ??= this.reload(version).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async reload(version: string): Promise<Snapshot> {
    const snapshot: Snapshot = { version, byFingerprint: new Map(), verified: new Map() };
    try {
      snapshot.content = (await readKeysFile(this.file)) ?? emptyKeysFile();
      for (const [stream, entry] of Object.entries(snapshot.content.streams)) {
        const list = snapshot.byFingerprint.get(entry.fingerprint) ?? [];
        list.push(stream);
        snapshot.byFingerprint.set(entry.fingerprint, list);
      }
      if (version === "missing") this.logger?.warn({ file: this.file }, "keys file missing: every publish is refused");
      else this.logger?.info({ file: this.file, streams: Object.keys(snapshot.content.streams).length }, "keys file loaded");
    } catch (error) {
      if (!(error instanceof KeysFileError)) throw error;
      snapshot.error = error;
      this.logger?.error({ file: this.file, reason: error.reason }, "keys file unusable: every publish is refused");
    }
    this.snapshot = snapshot;
    return snapshot;
  }

  private async fileVersion(): Promise<string> {
    try {
      const s = await stat(this.file, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
      return `error:${(error as NodeJS.ErrnoException).code ?? "unknown"}`;
    }
  }
}
