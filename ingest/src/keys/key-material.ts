import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

const KEY_PREFIX = "live_";
const KEY_BYTES = 24;
const KEY_PATTERN = /^live_[A-Za-z0-9_-]{32}$/;

interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keylen: number;
}

// The keys are 192 random bits, so scrypt guards against a leaked file, not weak secrets: modest cost is enough.
const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1, keylen: 32 };

interface KeyHash {
  salt: string; // base64url, 16 random bytes
  hash: string; // base64url scrypt output
  scrypt: ScryptParams;
}

/** A new secret stream key: "live_" + 24 random bytes in base64url. */
export function generateKey(): string {
  return KEY_PREFIX + randomBytes(KEY_BYTES).toString("base64url");
}

export function looksLikeKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** Short non-secret identifier of a key for logs and `keys list`: first 8 hex digits of sha256(key). */
export function fingerprint(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 8);
}

export async function hashKey(key: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<KeyHash> {
  const salt = randomBytes(16);
  const hash = await derive(key, salt, params);
  return { salt: salt.toString("base64url"), hash: hash.toString("base64url"), scrypt: params };
}

export async function verifyKey(key: string, stored: KeyHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, "base64url");
  const actual = await derive(key, Buffer.from(stored.salt, "base64url"), stored.scrypt);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function derive(key: string, salt: Buffer, { N, r, p, keylen }: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => {
    scrypt(key, salt, keylen, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}
