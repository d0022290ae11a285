import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { sessionKey, signSession } from "../../ingest/src/access/session-cookie.js";
import { shippedUnitEnvironment } from "../../soak/unit-environment.js";
import { defaultRunner } from "./before-checkout.js";
import { registerCleanup, spawnTracked, type TrackedChild } from "./child-processes.js";
import { freePort, waitFor, waitForHttp, waitForTcp } from "./net-wait.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const KEY_PATTERN = /live_[A-Za-z0-9_-]{32}/;
// Measured as deployed: with the systemd unit's environment (two malloc arenas).
const UNIT_ENV = shippedUnitEnvironment();

export interface OurIngestOptions {
  streams: string[];
  /** --part-ms; undefined keeps the ingest's default */
  partMs?: number;
  logLevel?: string;
  /** node options before the script, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] (written when the ingest exits) */
  nodeArgs?: string[];
  /** Every stream members-only (DiscourseConnect configured with a made-up forum); viewers send `sessionCookie`. */
  membersOnly?: boolean;
  /** Further CLI flags, e.g. ["--renditions", "360p"]. */
  flags?: string[];
  /** The checkout whose ingest runs (default this one; bench --before gives an older commit's). */
  checkout?: string;
  /** compiled: node on ingest/dist, as the systemd unit runs it; tsx: node with tsx as a loader on ingest/src. */
  runner?: "compiled" | "tsx";
}

// Members-only runs: the forum is never asked (viewers arrive with a session cookie signed with this secret).
const BENCH_SECRET = "bench-discourse-connect-secret";
const BENCH_FORUM = "http://127.0.0.1:9";

/** Our ingest as a child process started through its CLI, with one key per stream in a temp data dir. */
export class OurIngest {
  readonly dir = mkdtempSync(join(tmpdir(), "bench-ingest-"));
  rtmpPort = 0;
  httpPort = 0;
  private readonly keys = new Map<string, string>();
  private child: TrackedChild | undefined;
  private readonly unregister = registerCleanup(() => this.close());

  readonly runner: "compiled" | "tsx";
  /** Spawn → RTMP port open and /healthz answering, ms (set by start()). */
  startedAfterMs: number | undefined;
  private readonly checkout: string;
  private readonly nodeArgs: string[];

  constructor(private readonly opts: OurIngestOptions) {
    this.checkout = opts.checkout ?? REPO;
    this.runner = opts.runner ?? defaultRunner(this.checkout);
    // One node process (tsx as a loader, not the tsx CLI, which would add a parent process) so /proc/<pid> is the ingest.
    this.nodeArgs =
      this.runner === "compiled"
        ? [join(this.checkout, "ingest/dist/main.js")]
        : ["--import", "tsx", join(this.checkout, "ingest/src/main.ts")];
  }

  get pid(): number {
    if (!this.child) throw new Error("ingest not started");
    return this.child.pid;
  }

  get pids(): number[] {
    return [this.pid];
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/live`;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/metrics`;
  }

  publishUrl(stream: string): string {
    const key = this.keys.get(stream);
    if (!key) throw new Error(`no key for stream ${stream}`);
    return `rtmp://127.0.0.1:${this.rtmpPort}/live/${key}`;
  }

  async start(): Promise<void> {
    // What `npm ci` (prepare) does on a server; rebuilt so the run measures this checkout's sources.
    if (this.runner === "compiled")
      await promisify(execFile)(process.execPath, [join(this.checkout, "ingest/scripts/build-dist.mjs")], {
        cwd: this.checkout,
        timeout: 60_000,
      });
    for (const stream of this.opts.streams) {
      const { stdout } = await promisify(execFile)(process.execPath, [...this.nodeArgs, "keys", "add", stream, "--data-dir", this.dir], {
        cwd: this.checkout,
        timeout: 30_000,
      });
      const key = KEY_PATTERN.exec(stdout)?.[0];
      if (!key) throw new Error(`"keys add ${stream}" printed no key: ${stdout.slice(0, 300)}`);
      this.keys.set(stream, key);
    }
    this.rtmpPort = await freePort();
    this.httpPort = await freePort();
    const access: string[] = [];
    if (this.opts.membersOnly) {
      const secretFile = join(this.dir, "discourse-connect-secret");
      writeFileSync(secretFile, BENCH_SECRET, { mode: 0o600 });
      for (const stream of this.opts.streams) {
        await promisify(execFile)(process.execPath, [...this.nodeArgs, "keys", "access", stream, "members", "--data-dir", this.dir], {
          cwd: this.checkout,
          timeout: 30_000,
        });
      }
      access.push(
        "--public-url",
        `http://127.0.0.1:${this.httpPort}`,
        "--discourse-url",
        BENCH_FORUM,
        "--discourse-connect-secret-file",
        secretFile,
        "--allow-origin",
        BENCH_FORUM,
      );
    }
    const args = [
      ...(this.opts.nodeArgs ?? []),
      ...this.nodeArgs,
      "--host",
      "127.0.0.1",
      "--rtmp-port",
      String(this.rtmpPort),
      "--http-port",
      String(this.httpPort),
      "--data-dir",
      this.dir,
      "--log-level",
      this.opts.logLevel ?? "warn",
      // Every bench publisher comes from 127.0.0.1, where a real show's performers come from their own addresses.
      "--max-connections-per-address",
      "64",
      ...access,
      ...(this.opts.flags ?? []),
    ];
    if (this.opts.partMs !== undefined) args.push("--part-ms", String(this.opts.partMs));
    const spawnedAt = performance.now();
    this.child = spawnTracked("ingest", process.execPath, args, { cwd: this.checkout, env: { ...process.env, ...UNIT_ENV } });
    await Promise.race([
      Promise.all([waitForTcp(this.rtmpPort, 30_000), waitForHttp(`http://127.0.0.1:${this.httpPort}/healthz`, 30_000)]),
      this.child.exited.then((code) => {
        throw new Error(`ingest exited (${code}) at start: ${this.child?.tail()}`);
      }),
    ]);
    this.startedAfterMs = performance.now() - spawnedAt;
  }

  /** The Cookie header of a signed-in member (members-only runs), else undefined. */
  get sessionCookie(): string | undefined {
    if (!this.opts.membersOnly) return undefined;
    const user = { externalId: "1", username: "bench", groups: ["trust_level_1"] };
    return `live_session=${signSession(user, Math.floor(Date.now() / 1000), 4 * 3600, sessionKey(BENCH_SECRET))}`;
  }

  /** Resolves once the stream is live and its playlist lists at least `segments` segments. */
  async waitForPlaylist(stream: string, segments: number, timeoutMs: number): Promise<string> {
    await waitFor(
      `${stream} live`,
      async () => {
        const res = await fetch(`${this.baseUrl}/${stream}/status.json`, { signal: AbortSignal.timeout(2000) });
        return res.ok && ((await res.json()) as { live?: unknown }).live === true ? true : undefined;
      },
      timeoutMs,
    );
    const cookie = this.sessionCookie;
    return waitForHttp(
      `${this.baseUrl}/${stream}/index.m3u8`,
      timeoutMs,
      // With renditions index.m3u8 is a multivariant playlist: it answers once the source has media.
      (body) => body.includes("#EXT-X-STREAM-INF") || (body.match(/#EXTINF/g) ?? []).length >= segments,
      cookie ? { Cookie: cookie } : {},
    );
  }

  async close(): Promise<void> {
    this.unregister();
    await this.child?.stop(5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
