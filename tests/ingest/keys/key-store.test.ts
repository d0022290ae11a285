import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock, LockHeldError } from "../../../ingest/src/disk/lock-file.js";
import {
  type AddedKey,
  fingerprint,
  generateKey,
  InvalidStreamNameError,
  KeysFileError,
  KeyStore,
} from "../../../ingest/src/keys/index.js";

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "keys-test-"));
  file = path.join(dir, "data", "keys.json");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("key material", () => {
  it("generates distinct base64url keys of 24 random bytes with a prefix", () => {
    const keys = new Set(Array.from({ length: 50 }, generateKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^live_[A-Za-z0-9_-]{32}$/);
  });

  it("fingerprints are the first 8 hex digits of sha256", () => {
    expect(fingerprint("abc")).toBe("ba7816bf");
  });
});

describe("KeyStore", () => {
  it("stores only a salted hash: the key appears nowhere in the file", async () => {
    const store = new KeyStore({ file });
    const added = await store.add("show1");
    const text = await readFile(file, "utf8");
    expect(text).not.toContain(added.key);
    expect(text).not.toContain(added.key.slice(5));
    const json = JSON.parse(text);
    expect(json.version).toBe(1);
    expect(Object.keys(json.streams.show1).sort()).toEqual(["createdAt", "fingerprint", "hash", "salt", "scrypt", "updatedAt"]);
    expect(json.streams.show1.fingerprint).toBe(fingerprint(added.key));
    expect(Buffer.from(json.streams.show1.salt, "base64url")).toHaveLength(16);
    expect(json.streams.show1.scrypt).toEqual({ N: 16384, r: 8, p: 1, keylen: 32 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(path.dirname(file))).toEqual(["keys.json"]);
  });

  it("authenticates the right key to its stream and refuses others", async () => {
    const store = new KeyStore({ file });
    const a = await store.add("alpha");
    const b = await store.add("beta");
    expect(await store.authenticate(a.key)).toBe("alpha");
    expect(await store.authenticate(b.key)).toBe("beta");
    expect(await store.authenticate(a.key)).toBe("alpha");
    expect(await store.authenticate(generateKey())).toBeNull();
    expect(await store.authenticate(`${a.key}x`)).toBeNull();
    expect(await store.authenticate("alpha")).toBeNull();
    expect(await store.authenticate("")).toBeNull();
  });

  it("refuses a key whose fingerprint matches but whose hash does not", async () => {
    const store = new KeyStore({ file });
    const a = await store.add("alpha");
    const json = JSON.parse(await readFile(file, "utf8"));
    const other = generateKey();
    json.streams.alpha.fingerprint = fingerprint(other);
    await writeFile(file, JSON.stringify(json));
    expect(await store.authenticate(other)).toBeNull();
    expect(await store.authenticate(a.key)).toBeNull();
  });

  it("lists names, fingerprints and dates, never keys", async () => {
    let now = new Date("2025-01-02T03:04:05.000Z");
    const store = new KeyStore({ file, now: () => now });
    const b = await store.add("beta");
    const a = await store.add("alpha");
    now = new Date("2025-02-01T00:00:00.000Z");
    const a2 = await store.add("alpha");
    expect(a2.replaced).toBe(true);
    expect(b.replaced).toBe(false);
    const list = await store.list();
    expect(list).toEqual([
      {
        stream: "alpha",
        fingerprint: a2.fingerprint,
        createdAt: "2025-01-02T03:04:05.000Z",
        updatedAt: "2025-02-01T00:00:00.000Z",
        access: "public",
        renditions: "default",
      },
      {
        stream: "beta",
        fingerprint: b.fingerprint,
        createdAt: "2025-01-02T03:04:05.000Z",
        updatedAt: "2025-01-02T03:04:05.000Z",
        access: "public",
        renditions: "default",
      },
    ]);
    expect(JSON.stringify(list)).not.toContain(a.key);
    expect(await store.authenticate(a.key)).toBeNull();
    expect(await store.authenticate(a2.key)).toBe("alpha");
  });

  it("revokes: the key stops working, other streams keep theirs", async () => {
    const store = new KeyStore({ file });
    const a = await store.add("alpha");
    const b = await store.add("beta");
    expect(await store.authenticate(a.key)).toBe("alpha");
    expect(await store.revoke("alpha")).toBe(true);
    expect(await store.revoke("alpha")).toBe(false);
    expect(await store.authenticate(a.key)).toBeNull();
    expect(await store.authenticate(b.key)).toBe("beta");
    expect((await store.list()).map((k) => k.stream)).toEqual(["beta"]);
  });

  it.each(["", "-lead", "a/b", "..", "a b", "é", "x".repeat(65)])("rejects the stream name %j", async (name) => {
    const store = new KeyStore({ file });
    await expect(store.add(name)).rejects.toBeInstanceOf(InvalidStreamNameError);
    await expect(store.revoke(name)).rejects.toBeInstanceOf(InvalidStreamNameError);
  });

  it("picks up changes written by another process (a second store) without restarting", async () => {
    const ingest = new KeyStore({ file });
    const cli = new KeyStore({ file });
    expect(await ingest.authenticate(generateKey())).toBeNull();
    const added = await cli.add("late");
    expect(await ingest.authenticate(added.key)).toBe("late");
    await cli.revoke("late");
    expect(await ingest.authenticate(added.key)).toBeNull();
    const again = await cli.add("late");
    expect(await ingest.authenticate(again.key)).toBe("late");
  });

  it("a missing file means no keys: list is empty, authenticate refuses", async () => {
    const store = new KeyStore({ file });
    expect(await store.check()).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(await store.authenticate(generateKey())).toBeNull();
  });
});

describe("concurrent changes", () => {
  it("adds and revokes from several stores at once (as from separate processes) all land", async () => {
    const existing: AddedKey[] = [];
    for (const name of ["old1", "old2", "old3"]) existing.push(await new KeyStore({ file }).add(name));
    const ingest = new KeyStore({ file });
    const added = ["a", "b", "c", "d", "e", "f", "g", "h"].map((name) => new KeyStore({ file }).add(`new-${name}`));
    const revoked = ["old1", "old2"].map((name) => new KeyStore({ file }).revoke(name));
    // Meanwhile the running ingest keeps authenticating an untouched stream: every reload sees a whole file.
    const old3 = existing[2]!.key;
    let reads = 0;
    const all = Promise.all([...added, ...revoked]);
    let settled = false;
    void all.finally(() => (settled = true));
    while (!settled) {
      expect(await ingest.authenticate(old3)).toBe("old3");
      reads++;
    }
    const results = await all;
    expect(results.slice(8)).toEqual([true, true]);
    expect((await ingest.list()).map((k) => k.stream)).toEqual([
      "new-a",
      "new-b",
      "new-c",
      "new-d",
      "new-e",
      "new-f",
      "new-g",
      "new-h",
      "old3",
    ]);
    for (const result of results.slice(0, 8)) {
      const { stream, key } = result as AddedKey;
      expect(await ingest.authenticate(key)).toBe(stream);
    }
    expect(await ingest.authenticate(existing[0]!.key)).toBeNull();
    expect(reads).toBeGreaterThan(0);
    expect(await readdir(path.dirname(file))).toEqual(["keys.json"]);
  });

  it("waits for a lock held by a live holder and takes over one left by a dead process", async () => {
    const store = new KeyStore({ file });
    await store.add("first");
    const lockFile = `${file}.lock`;
    const held = await acquireLock(lockFile);
    let done = false;
    const waiting = store.add("second").then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(done).toBe(false);
    await held.release();
    await waiting;
    // A lock of a process that no longer exists (kill -9 in the middle of a command): taken over at once.
    await writeFile(lockFile, JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), token: "dead", since: new Date().toISOString() }));
    expect((await store.add("third")).replaced).toBe(false);
    expect((await store.list()).map((k) => k.stream)).toEqual(["first", "second", "third"]);
    expect(await readdir(path.dirname(file))).toEqual(["keys.json"]);
  });

  it("fails loudly, changing nothing, when another live process keeps the lock", async () => {
    const store = new KeyStore({ file, lockWaitMs: 200 });
    await store.add("first");
    const before = await readFile(file, "utf8");
    // pid 1 is alive and never ours.
    await writeFile(`${file}.lock`, JSON.stringify({ pid: 1, host: hostname(), token: "init", since: "2026-01-01T00:00:00.000Z" }));
    await expect(store.add("second")).rejects.toThrow(/keys\.json\.lock is held by process 1 on /);
    await expect(store.revoke("first")).rejects.toBeInstanceOf(LockHeldError);
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it.each(["constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf"])("%s is an ordinary stream name", async (name) => {
    const store = new KeyStore({ file });
    await store.add("other");
    expect(await store.revoke(name)).toBe(false);
    const added = await store.add(name);
    expect(added.replaced).toBe(false);
    expect((await store.list()).map((k) => k.stream).sort()).toEqual([name, "other"].sort());
    expect(await new KeyStore({ file }).authenticate(added.key)).toBe(name);
    expect(await store.revoke(name)).toBe(true);
    expect(await store.revoke(name)).toBe(false);
  });

  it("__proto__ is not a stream name, in a command or in the file", async () => {
    const store = new KeyStore({ file });
    await expect(store.add("__proto__")).rejects.toBeInstanceOf(InvalidStreamNameError);
    await expect(store.revoke("__proto__")).rejects.toBeInstanceOf(InvalidStreamNameError);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"version": 1, "streams": {"__proto__": {}}}');
    await expect(store.list()).rejects.toBeInstanceOf(KeysFileError);
  });
});

describe("malformed or unreadable keys files", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["not JSON", "{ nope", /is not valid JSON/],
    ["wrong version", JSON.stringify({ version: 2, streams: {} }), /at version/],
    ["bad stream name", JSON.stringify({ version: 1, streams: { "../x": {} } }), /at streams\.\.\.\/x/],
    [
      "missing hash",
      JSON.stringify({
        version: 1,
        streams: {
          a: {
            fingerprint: "00000000",
            salt: "AA",
            scrypt: { N: 16384, r: 8, p: 1, keylen: 32 },
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
          },
        },
      }),
      /at streams\.a\.hash/,
    ],
    [
      "huge scrypt cost",
      JSON.stringify({
        version: 1,
        streams: {
          a: {
            fingerprint: "00000000",
            salt: "AA",
            hash: "AA",
            scrypt: { N: 2 ** 24, r: 8, p: 1, keylen: 32 },
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
          },
        },
      }),
      /streams\.a\.scrypt\.N/,
    ],
    ["plain key stored", JSON.stringify({ version: 1, streams: { a: { key: "live_x" } } }), /streams\.a/],
  ];

  it.each(cases)("%s: clear error naming the file; the file is never rewritten", async (_name, text, reason) => {
    await new KeyStore({ file }).add("seed");
    await writeFile(file, text);
    const store = new KeyStore({ file });
    for (const attempt of [() => store.check(), () => store.list(), () => store.add("b"), () => store.revoke("a")]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KeysFileError);
      expect((error as KeysFileError).message).toContain(file);
      expect((error as KeysFileError).message).toMatch(reason);
    }
    expect(await readFile(file, "utf8")).toBe(text);
    expect(await readdir(path.dirname(file))).toEqual(["keys.json"]);
  });

  it("a file broken while running denies every key (fail closed) until it is fixed", async () => {
    const store = new KeyStore({ file });
    const added = await store.add("alpha");
    expect(await store.authenticate(added.key)).toBe("alpha");
    const good = await readFile(file, "utf8");
    await writeFile(file, "{ broken");
    expect(await store.authenticate(added.key)).toBeNull();
    await writeFile(file, good);
    expect(await store.authenticate(added.key)).toBe("alpha");
  });

  it("an unreadable path is reported as such", async () => {
    await mkdir(file, { recursive: true });
    await expect(new KeyStore({ file }).check()).rejects.toThrow(`keys file ${file}: cannot be read (EISDIR)`);
    await expect(new KeyStore({ file }).add("alpha")).rejects.toThrow(/cannot be read/);
  });
});

describe("KeyStore access modes", () => {
  it("stores, lists and reloads per-stream access; public is no entry", async () => {
    const store = new KeyStore({ file });
    await store.add("alpha");
    await store.add("beta");
    expect(await store.setAccess("alpha", { kind: "members" })).toBe(true);
    expect(await store.setAccess("beta", { kind: "groups", groups: ["patrons", "crew"] })).toBe(true);
    expect(await store.setAccess("gamma", { kind: "members" })).toBe(false);
    expect((await store.list()).map((k) => [k.stream, k.access])).toEqual([
      ["alpha", "members"],
      ["beta", "groups:patrons,crew"],
    ]);
    const other = new KeyStore({ file });
    expect(await other.accessModes()).toEqual(
      new Map([
        ["alpha", { kind: "members" }],
        ["beta", { kind: "groups", groups: ["patrons", "crew"] }],
      ]),
    );
    await store.add("beta");
    expect((await store.list()).find((k) => k.stream === "beta")?.access).toBe("groups:patrons,crew");
    await store.setAccess("alpha", { kind: "public" });
    expect(JSON.parse(await readFile(file, "utf8")).streams.alpha.access).toBeUndefined();
    expect([...(await other.accessModes()).keys()]).toEqual(["beta"]);
  });

  it("refuses a file with an unknown access mode, naming where", async () => {
    const store = new KeyStore({ file });
    await store.add("alpha");
    const json = JSON.parse(await readFile(file, "utf8"));
    json.streams.alpha.access = "everyone";
    await writeFile(file, JSON.stringify(json));
    await expect(store.accessModes()).rejects.toThrow(/streams\.alpha\.access: expected public, members or groups/);
  });
});
