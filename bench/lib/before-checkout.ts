import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { registerCleanup } from "./child-processes.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A detached git worktree of `rev` (e.g. HEAD~1) sharing this checkout's node_modules, so one benchmark run
 * measures the code before a change next to the code after it on the same machine, minutes apart.
 * Removed when the benchmark ends.
 */
export function checkoutBefore(rev: string): string {
  const commit = execFileSync("git", ["rev-parse", "--verify", `${rev}^{commit}`], { cwd: REPO, encoding: "utf8" }).trim();
  const dir = join(mkdtempSync(join(tmpdir(), "bench-before-")), "tree");
  execFileSync("git", ["worktree", "add", "--detach", dir, commit], { cwd: REPO, stdio: "ignore" });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  registerCleanup(async () => {
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: REPO, stdio: "ignore" });
    rmSync(join(dir, ".."), { recursive: true, force: true });
  });
  return dir;
}

/** How a checkout's ingest runs: compiled JavaScript where the checkout builds it (as deployed), else through tsx. */
export function defaultRunner(checkout: string): "compiled" | "tsx" {
  return existsSync(join(checkout, "ingest/scripts/build-dist.mjs")) ? "compiled" : "tsx";
}
