import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import type { Logger } from "pino";
import { formatAccessMode, parseAccessMode, PUBLIC, type AccessMode } from "../access/access-mode.js";
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
  private snapshot: Snapshot | undefined;
  private refreshing: Promise<Snapshot> | undefined;

  constructor(options: KeyStoreOptions) {
    this.file = options.file;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
  }

  /** Validates the file. Returns false when it does not exist; throws KeysFileError when it is unusable. */
  async check(): Promise<boolean> {
    return (await readKeysFile(this.file)) !== undefined;
  }

  async list(): Promise<KeyInfo[]> {
    const content = (await readKeysFile(this.file)) ?? emptyKeysFile();
    return Object.entries(content.streams)
      .map(([stream, e]) => ({ stream, fingerprint: e.fingerprint, createdAt: e.createdAt, updatedAt: e.updatedAt, access: e.access ?? "public" }))
      .sort((a, b) => a.stream.localeCompare(b.stream));
  }

  /** Creates a key for `stream`, replacing its previous key if any. The returned key is never stored. */
  async add(stream: string): Promise<AddedKey> {
    if (!isValidStreamName(stream)) throw new InvalidStreamNameError(stream);
    const content = (await readKeysFile(this.file)) ?? emptyKeysFile();
    const key = generateKey();
    const stamp = this.now().toISOString();
    const previous = content.streams[stream];
    content.streams[stream] = {
      fingerprint: fingerprint(key),
      ...(await hashKey(key)),
      createdAt: previous?.createdAt ?? stamp,
      updatedAt: stamp,
      // A new key does not change who may watch.
      ...(previous?.access !== undefined ? { access: previous.access } : {}),
    };
    await writeKeysFile(this.file, content);
    this.snapshot = undefined;
    return { stream, key, fingerprint: fingerprint(key), replaced: previous !== undefined };
  }

  /** Deletes the key of `stream`; false when it had none. */
  async revoke(stream: string): Promise<boolean> {
    if (!isValidStreamName(stream)) throw new InvalidStreamNameError(stream);
    const content = await readKeysFile(this.file);
    if (!content || !(stream in content.streams)) return false;
    delete content.streams[stream];
    await writeKeysFile(this.file, content);
    this.snapshot = undefined;
    return true;
  }

  /** Sets who may watch `stream`; false when the stream has no key. `public` is stored as no entry. */
  async setAccess(stream: string, mode: AccessMode): Promise<boolean> {
    if (!isValidStreamName(stream)) throw new InvalidStreamNameError(stream);
    const content = await readKeysFile(this.file);
    const entry = content?.streams[stream];
    if (!content || !entry) return false;
    if (mode.kind === "public") delete entry.access;
    else entry.access = formatAccessMode(mode);
    await writeKeysFile(this.file, content);
    this.snapshot = undefined;
    return true;
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
