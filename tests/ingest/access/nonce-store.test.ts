import { describe, expect, it } from "vitest";
import { NonceStore } from "../../../ingest/src/access/nonce-store.js";

describe("NonceStore", () => {
  const attempt = { returnTo: "https://forum.example.org/t/show/1", promptNone: true };

  it("gives the attempt back once, to the browser that started it", () => {
    const store = new NonceStore();
    const binding = NonceStore.newBinding();
    const nonce = store.issue(binding, attempt);
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(store.consume(nonce, binding)).toEqual(attempt);
    expect(store.consume(nonce, binding)).toBeUndefined();
  });

  it("refuses another browser, and the nonce is spent by the attempt", () => {
    const store = new NonceStore();
    const nonce = store.issue(NonceStore.newBinding(), attempt);
    expect(store.consume(nonce, NonceStore.newBinding())).toBeUndefined();
    expect(store.consume(nonce, undefined)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it("expires attempts", () => {
    let now = 0;
    const store = new NonceStore({ ttlMs: 1000, clock: () => now });
    const binding = NonceStore.newBinding();
    const early = store.issue(binding, attempt);
    const late = store.issue(binding, attempt);
    now = 999;
    expect(store.consume(early, binding)).toEqual(attempt);
    now = 1000;
    expect(store.consume(late, binding)).toBeUndefined();
    expect(store.consume("0".repeat(32), binding)).toBeUndefined();
  });

  it("holds at most maxPending attempts, dropping the oldest", () => {
    const store = new NonceStore({ maxPending: 3 });
    const binding = NonceStore.newBinding();
    const nonces = Array.from({ length: 5 }, () => store.issue(binding, attempt));
    expect(store.size).toBe(3);
    expect(store.consume(nonces[0]!, binding)).toBeUndefined();
    expect(store.consume(nonces[4]!, binding)).toEqual(attempt);
  });
});
