// A stream that cannot be protected is never served as public: start-up refuses it, and a `keys access`
// change on a running ingest makes it answer 503 with a log line. The secret file must be owner-only.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSecretFile, SecretFileError } from "../../../ingest/src/access/secret-file.js";
import { startIngest } from "../../../ingest/src/app.js";
import { loadConfig } from "../../../ingest/src/config.js";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { startTestIngest, until, type TestIngest } from "../e2e/support.js";

const SECRET = "misconfigured-secret-0123456789";
let dir: string;
let secretFile: string;
let running: TestIngest | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "access-config-"));
  secretFile = path.join(dir, "secret");
  await writeFile(secretFile, SECRET);
  await chmod(secretFile, 0o600);
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

const signInFlags = () => [
  "--public-url",
  "http://127.0.0.1:9",
  "--discourse-url",
  "http://127.0.0.1:8",
  "--discourse-connect-secret-file",
  secretFile,
];

describe("secret file", () => {
  it("reads one line from an owner-only file", async () => {
    await writeFile(secretFile, `${SECRET}\n`);
    expect(await readSecretFile(secretFile)).toBe(SECRET);
  });

  it.each([0o640, 0o644, 0o604])("refuses mode %s, naming the fix but not the secret", async (mode) => {
    await chmod(secretFile, mode);
    const error = await readSecretFile(secretFile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect((error as Error).message).toContain(`chmod 600 ${secretFile}`);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it("refuses a missing file and a too short secret", async () => {
    await expect(readSecretFile(path.join(dir, "nope"))).rejects.toThrow(/cannot be read \(ENOENT\)/);
    await writeFile(secretFile, "short\n");
    await expect(readSecretFile(secretFile)).rejects.toThrow(/at least 10 characters/);
  });
});

describe("protected streams the ingest cannot protect", () => {
  it("refuses to start with a protected stream and --allow-origin *, or without sign-in", async () => {
    for (const flags of [[...signInFlags(), "--allow-origin", "*"], []]) {
      const loaded = loadConfig(["--rtmp-port", "0", "--http-port", "0", "--host", "127.0.0.1", "--data-dir", dir, ...flags], {});
      if (!loaded.ok || loaded.help) throw new Error("bad config");
      const store = new KeyStore({ file: loaded.config.keys });
      await store.add("club");
      await store.setAccess("club", { kind: "members" });
      const logs: string[] = [];
      const error = await startIngest(loaded.config, pino({ level: "info" }, { write: (l: string) => void logs.push(l) })).catch(
        (e: unknown) => e,
      );
      expect((error as Error).message).toMatch(/members-only streams club \(members\) cannot be protected/);
      expect(logs.join("\n")).not.toContain(SECRET);
    }
  });

  it("a stream made members-only at run time under --allow-origin * answers 503 and logs why", async () => {
    running = await startTestIngest([...signInFlags(), "--allow-origin", "*"]);
    expect((await running.get(`/live/${running.stream}/index.m3u8`)).status).not.toBe(503);
    await new KeyStore({ file: path.join(running.dir, "keys.json") }).setAccess(running.stream, { kind: "members" });
    const reply = await until(
      "503",
      async () => {
        const r = await running!.get(`/live/${running!.stream}/init-1.mp4`);
        return r.status === 503 ? r : undefined;
      },
      10_000,
      100,
    );
    expect(JSON.parse(reply.text).error).toMatch(/members-only/);
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(running.logs.some((l) => l.includes("protected stream not served") && l.includes('--allow-origin is \\"*\\"'))).toBe(true);
    expect(JSON.parse((await running.get(`/live/${running.stream}/status.json`)).text).access).toBe("members");
  });

  it("warns at start-up when the forum and the ingest cannot share cookies", async () => {
    running = await startTestIngest([
      "--public-url",
      "https://live.example.net",
      "--discourse-url",
      "https://forum.example.org",
      "--discourse-connect-secret-file",
      secretFile,
      "--allow-origin",
      "https://forum.example.org",
    ]);
    const line = running.logs.find((l) => l.includes("will not reach the ingest"));
    expect(line).toContain("forum.example.org and live.example.net are different sites");
  });
});
