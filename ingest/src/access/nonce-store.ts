import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// Sign-in attempts in flight. A nonce is used once, expires, and is bound to the browser that started the
// attempt (a random value in a short-lived cookie): a callback URL stolen or replayed elsewhere is refused.

export interface PendingSignIn {
  /** Where to send the viewer afterwards (already checked against the allowed origins). */
  returnTo: string;
  /** The attempt asked the forum with prompt=none. */
  promptNone: boolean;
}

export interface NonceStoreOptions {
  /** Default 600 s, as Discourse's own nonce expiry. */
  ttlMs?: number;
  /** Attempts kept at most: a flood of /login requests evicts the oldest, it cannot grow memory. */
  maxPending?: number;
  clock?: () => number;
}

interface Entry extends PendingSignIn {
  binding: Buffer;
  expiresAt: number;
}

export class NonceStore {
  readonly ttlMs: number;
  private readonly maxPending: number;
  private readonly clock: () => number;
  private readonly pending = new Map<string, Entry>();

  constructor(options: NonceStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 600_000;
    this.maxPending = options.maxPending ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  /** A fresh random browser binding (the cookie value). */
  static newBinding(): string {
    return randomBytes(18).toString("base64url");
  }

  /** Records an attempt for the browser holding `binding`; returns its nonce. */
  issue(binding: string, attempt: PendingSignIn): string {
    this.sweep();
    while (this.pending.size >= this.maxPending) this.pending.delete(this.pending.keys().next().value!);
    const nonce = randomBytes(16).toString("hex");
    this.pending.set(nonce, { ...attempt, binding: digest(binding), expiresAt: this.clock() + this.ttlMs });
    return nonce;
  }

  /** The attempt for `nonce` if it is known, unexpired and bound to `binding`. Any use consumes the nonce. */
  consume(nonce: string, binding: string | undefined): PendingSignIn | undefined {
    const entry = this.pending.get(nonce);
    if (!entry) return undefined;
    this.pending.delete(nonce);
    if (entry.expiresAt <= this.clock()) return undefined;
    if (binding === undefined || !timingSafeEqual(entry.binding, digest(binding))) return undefined;
    return { returnTo: entry.returnTo, promptNone: entry.promptNone };
  }

  get size(): number {
    return this.pending.size;
  }

  private sweep(): void {
    const now = this.clock();
    // Insertion order is expiry order (one ttl for all), so expired entries are at the front.
    for (const [nonce, entry] of this.pending) {
      if (entry.expiresAt > now) break;
      this.pending.delete(nonce);
    }
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
