// Debian's Varnish as a child process (varnishd -F) with the shipped VCL, on a loopback port, stopped by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "vitest";
import { get } from "../../ingest/http/http-client.js";

export const VARNISHD_PATH = process.env.VARNISHD_PATH ?? "/usr/sbin/varnishd";
export const MISSING_VARNISH = `varnishd not found at ${VARNISHD_PATH}: apt-get install varnish (or set VARNISHD_PATH)`;

/** describe() for suites that run Varnish: fails under CI when it is missing, skips (saying why) elsewhere. */
export function describeWithVarnish(name: string, body: () => void): void {
  if (existsSync(VARNISHD_PATH)) describe(name, body);
  else if (process.env.CI === "true") {
    describe(name, () =>
      it("needs varnish", () => {
        throw new Error(MISSING_VARNISH);
      }),
    );
  } else describe.skip(`${name} (skipped: ${MISSING_VARNISH})`, body);
}

export class Varnish {
  private child: ChildProcess | null = null;
  private exited: Promise<void> | null = null;
  private output = "";

  private constructor(readonly dir: string) {}

  /** The manager process (varnishd -F); the cache process is its child. */
  get pid(): number {
    if (this.child?.pid === undefined) throw new Error("varnishd not started");
    return this.child.pid;
  }

  static async create(): Promise<Varnish> {
    const dir = await mkdtemp(path.join(tmpdir(), "proxy-varnish-"));
    // As root varnishd drops to its own users (varnish, vcache): they need to reach the work folder.
    await chmod(dir, 0o755);
    return new Varnish(dir);
  }

  /** Starts varnishd in the foreground with `vcl` on 127.0.0.1:`port`; resolves once it answers. */
  async start(vcl: string, port: number): Promise<void> {
    const vclFile = path.join(this.dir, "live-shows.vcl");
    await writeFile(vclFile, vcl);
    // prettier-ignore
    const child = spawn(VARNISHD_PATH, [
      "-F", "-f", vclFile, "-a", `127.0.0.1:${port}`, "-n", path.join(this.dir, "work"), "-s", "malloc,256m",
      // the default 10 s can be too short when the machine is busy compiling the VCL
      "-p", "cli_timeout=30",
    ], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const collect = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000));
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + 30_000;
    // Any answer from Varnish itself (404 outside /live) means it runs.
    while ((await get(`http://127.0.0.1:${port}/ready`, { timeoutMs: 2_000 }).catch(() => null))?.status !== 404) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`varnishd did not start: ${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGTERM to the manager (it stops its child), SIGKILL after 5 s; then removes the folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
