import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MSN_RESERVATIONS_FILE, MsnReservations } from "../../../ingest/src/streams/msn-reservations.js";

let dir: string;
const logs: string[] = [];
const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(line) });

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "msn-reservations-"));
  logs.length = 0;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("MsnReservations", () => {
  it("reserves in blocks on disk, so a later process starts above every msn used", async () => {
    const first = await MsnReservations.load({ dataDir: dir, blockSize: 100, logger });
    expect(first.floor("alice")).toBe(0);
    first.reserve("alice", 5_000);
    expect(first.floor("alice")).toBe(5_100);
    const written = await readFile(path.join(dir, MSN_RESERVATIONS_FILE), "utf8");
    for (let msn = 5_001; msn < 5_100; msn++) first.reserve("alice", msn);
    // Inside the block: no write.
    expect(await readFile(path.join(dir, MSN_RESERVATIONS_FILE), "utf8")).toBe(written);
    first.reserve("alice", 5_100);
    first.reserve("constructor", 7);
    const later = await MsnReservations.load({ dataDir: dir, blockSize: 100, logger });
    expect(later.floor("alice")).toBe(5_200);
    expect(later.floor("constructor")).toBe(107);
    expect(later.floor("toString")).toBe(0);
    expect(await readdir(dir)).toEqual([MSN_RESERVATIONS_FILE]);
  });

  it("a malformed file is logged and numbering falls back to the clock; it is replaced at the next reservation", async () => {
    await writeFile(path.join(dir, MSN_RESERVATIONS_FILE), "{not json");
    const reservations = await MsnReservations.load({ dataDir: dir, logger });
    expect(reservations.floor("alice")).toBe(0);
    expect(logs.some((l) => l.includes("media sequence file malformed"))).toBe(true);
    reservations.reserve("alice", 10);
    expect((await MsnReservations.load({ dataDir: dir, logger })).floor("alice")).toBe(1_010);
  });

  it("a write that fails (here a folder in the file's place; disk full alike) is logged once and does not throw", async () => {
    await mkdir(path.join(dir, MSN_RESERVATIONS_FILE, "in-the-way"), { recursive: true });
    const reservations = await MsnReservations.load({ dataDir: dir, blockSize: 10, logger });
    expect(logs.some((l) => l.includes("media sequence file unreadable"))).toBe(true);
    reservations.reserve("alice", 1);
    reservations.reserve("alice", 11);
    expect(reservations.floor("alice")).toBe(21);
    expect(logs.filter((l) => l.includes("media sequence file not written"))).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual([MSN_RESERVATIONS_FILE]);
  });
});
