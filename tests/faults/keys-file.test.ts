// A keys file the ingest cannot use — a folder where the file should be (the unreadable case: tests run as
// root, where chmod 000 does not stop a read), bytes that are not UTF-8, JSON cut short as by a crash during a
// copy, an empty file: `start` refuses with an error naming the file, `keys add` refuses too, and neither
// touches it (same bytes, same mtime, no new files next to it). An empty file is not "no keys": a fresh `test`
// key written over it would silently revoke the real ones.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { cleanup, freePort, keysFile, tempDir } from "./support.js";

afterAll(() => cleanup());

interface Snapshot {
  listing: string[];
  mtimeMs: number;
  ino: number;
  bytes: string | null;
}

function snapshot(file: string): Snapshot {
  const stat = statSync(file);
  return {
    listing: readdirSync(path.dirname(file)).sort(),
    mtimeMs: stat.mtimeMs,
    ino: stat.ino,
    bytes: stat.isDirectory() ? readdirSync(file).join(",") : readFileSync(file).toString("hex"),
  };
}

const cases: Array<[string, (file: string) => Promise<void> | void, RegExp]> = [
  ["a folder in place of the file", (file) => mkdirSync(file), /cannot be read \(EISDIR\)/],
  ["bytes that are not UTF-8", (file) => writeFileSync(file, Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x7d])), /is not valid JSON/],
  [
    "JSON cut short",
    async (file) => {
      await keysFile(path.dirname(file));
      const whole = readFileSync(file);
      writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    },
    /is not valid JSON/,
  ],
  ["an empty file", (file) => writeFileSync(file, ""), /is not valid JSON/],
];

describe("unusable keys file", () => {
  it.each(cases)("%s: start and keys add refuse with the file's name and leave it untouched", async (_name, prepare, reason) => {
    const dir = tempDir("keys");
    const file = path.join(dir, "keys.json");
    await prepare(file);
    const before = snapshot(file);
    const common = ["--data-dir", dir, "--keys", file, "--host", "127.0.0.1"];

    const start = runCli([...common, "--http-port", String(await freePort()), "--rtmp-port", String(await freePort())]);
    const started = await start.exited;
    expect(started.code).toBe(1);
    expect(start.stderr()).toContain(`keys file ${file}`);
    expect(start.stderr()).toMatch(reason);
    expect(start.stdout()).not.toMatch(/Stream Key/);

    const add = runCli([...common, "keys", "add", "other"]);
    expect((await add.exited).code).toBe(1);
    expect(add.stderr()).toContain(`keys file ${file}`);

    expect(snapshot(file)).toEqual(before);
  });
});
