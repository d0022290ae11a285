// An exclusive lock held as a file created with O_EXCL: one owner at a time among processes of
// this host (`keys` commands, the running ingest). A lock whose owner died (kill -9, power loss)
// is recognised as stale and taken over, so a crash never blocks the next start.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/** Who holds a lock: written into the lock file as JSON, with the caller's details (ports, purpose). */
export interface LockOwner {
  pid: number;
  host: string;
  /** Linux: the boot and the process start time tell a live owner from a later process reusing its pid. */
  bootId?: string;
  startTicks?: string;
  token: string;
  since: string;
  [detail: string]: unknown;
}

export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly owner: Partial<LockOwner>,
  ) {
    super(`${file} is held by process ${owner.pid ?? "?"} on ${owner.host ?? "?"} since ${owner.since ?? "?"}`);
    this.name = "LockHeldError";
  }
}

export interface AcquireOptions {
  /** How long to wait for a live owner to release it; 0 = fail at once. */
  waitMs?: number;
  /** Written into the lock file next to the owner's identity. */
  details?: Record<string, unknown>;
}

export interface HeldLock {
  readonly file: string;
  /** Rewrites the details (for example the ports once bound). */
  update(details: Record<string, unknown>): Promise<void>;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

// A lock file that exists but is not yet readable JSON is being written by its creator; after this long it is
// the leftover of a creator that died between create and write.
const UNWRITTEN_GRACE_MS = 5_000;
const RETRY_MS = 15;

// Tokens of the locks this process holds: our own pid in a lock file is ours only if its token is here
// (otherwise it is a previous process that had the same pid, as pid 1 in every container start).
const heldHere = new Set<string>();

/** Takes the lock at `file` or throws LockHeldError naming its live owner (after `waitMs`). */
export async function acquireLock(file: string, options: AcquireOptions = {}): Promise<HeldLock> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const owner: LockOwner = {
    ...ownIdentity(),
    token: randomBytes(9).toString("base64url"),
    since: new Date().toISOString(),
    ...options.details,
  };
  // Known before the file exists: a concurrent attempt in this process must see it as live at once.
  heldHere.add(owner.token);
  try {
    for (;;) {
      if (await tryCreate(file, owner)) break;
      const current = await readOwner(file);
      if (current === "missing") continue;
      if (current === "unwritten" ? await olderThan(file, UNWRITTEN_GRACE_MS) : !ownerAlive(current)) {
        await breakStale(file, current);
        continue;
      }
      if (Date.now() >= deadline) throw new LockHeldError(file, current === "unwritten" ? {} : current);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS + Math.random() * RETRY_MS));
    }
  } catch (error) {
    heldHere.delete(owner.token);
    throw error;
  }
  let released = false;
  return {
    file,
    update: async (details) => {
      Object.assign(owner, details);
      await writeOwner(file, owner);
    },
    release: async () => {
      if (released) return;
      released = true;
      // Our token stays known until the file is gone, so no one here takes the lock for stale meanwhile.
      const current = await readOwner(file);
      if (current !== "missing" && current !== "unwritten" && current.token === owner.token) await rm(file, { force: true });
      heldHere.delete(owner.token);
    },
  };
}

function ownIdentity(): Pick<LockOwner, "pid" | "host" | "bootId" | "startTicks"> {
  const bootId = readBootId();
  const startTicks = readStartTicks(process.pid);
  return { pid: process.pid, host: hostname(), ...(bootId ? { bootId } : {}), ...(startTicks ? { startTicks } : {}) };
}

async function tryCreate(file: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
  return true;
}

/** Replaces the lock's content in one step (a reader never sees it half written; the path never disappears). */
async function writeOwner(file: string, owner: LockOwner): Promise<void> {
  const temp = `${file}.${owner.token}.tmp`;
  await writeFile(temp, JSON.stringify(owner), { mode: 0o600 });
  await rename(temp, file);
}

async function readOwner(file: string): Promise<LockOwner | "missing" | "unwritten"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === "number" && typeof owner.token === "string" ? owner : "unwritten";
  } catch {
    return "unwritten";
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(file)).mtimeMs > ms;
  } catch {
    return false;
  }
}

function ownerAlive(owner: LockOwner): boolean {
  // Another host (a shared network folder): nothing to check there, so the lock is respected.
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return heldHere.has(owner.token);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists under another user.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (owner.bootId !== undefined && readBootId() !== undefined && owner.bootId !== readBootId()) return false;
  if (owner.startTicks !== undefined) {
    const ticks = readStartTicks(owner.pid);
    if (ticks !== undefined && ticks !== owner.startTicks) return false;
  }
  return true;
}

/**
 * Removes a stale lock without ever removing a live one. Breaking takes a second, short-lived lock
 * (`<file>.breaking`): under it nobody else breaks, and a lock still holding the token judged stale
 * cannot change (its owner is gone, and no one creates while it exists), so it is safe to remove.
 */
async function breakStale(file: string, judged: LockOwner | "unwritten"): Promise<void> {
  const breaker = `${file}.breaking`;
  try {
    await (await open(breaker, "wx", 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another process is breaking it (or died doing so, within these few milliseconds).
    if (await olderThan(breaker, UNWRITTEN_GRACE_MS)) await rm(breaker, { force: true });
    return;
  }
  try {
    const current = await readOwner(file);
    const stale =
      judged === "unwritten"
        ? current === "unwritten" && (await olderThan(file, UNWRITTEN_GRACE_MS))
        : current !== "missing" && current !== "unwritten" && current.token === judged.token && !ownerAlive(current);
    if (stale) await rm(file, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

let bootId: string | undefined | null = null;
function readBootId(): string | undefined {
  if (bootId === null) {
    try {
      bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      bootId = undefined;
    }
  }
  return bootId;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux or when hidden. */
function readStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
