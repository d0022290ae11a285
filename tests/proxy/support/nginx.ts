// Debian's nginx as a child process: a shipped site config (rendered by shipped.ts for loopback ports)
// inside a temporary prefix, run in the foreground and stopped by PID.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "vitest";

export const NGINX_PATH = process.env.NGINX_PATH ?? "/usr/sbin/nginx";
export const MISSING_NGINX = `nginx not found at ${NGINX_PATH}: apt-get install nginx (or set NGINX_PATH)`;

/** describe() for suites that run nginx: fails under CI when it is missing, skips (saying why) elsewhere. */
export function describeWithNginx(name: string, body: () => void): void {
  if (existsSync(NGINX_PATH)) describe(name, body);
  else if (process.env.CI === "true") describe(name, () => it("needs nginx", () => void assertNever(MISSING_NGINX)));
  else describe.skip(`${name} (skipped: ${MISSING_NGINX})`, body);
}

function assertNever(message: string): never {
  throw new Error(message);
}

/** The main nginx.conf around a site (http-context) file: everything inside the prefix folder. */
export function mainConfig(dir: string, accessLog: boolean): string {
  const temp = (name: string) => path.join(dir, name);
  return [
    `error_log ${temp("error.log")} warn;`,
    `pid ${temp("nginx.pid")};`,
    "events { worker_connections 4096; }",
    "http {",
    accessLog
      ? `  log_format upstream '$request_uri $status $upstream_cache_status';\n  access_log ${temp("access.log")} upstream;`
      : "  access_log off;",
    `  client_body_temp_path ${temp("client_body")};`,
    `  proxy_temp_path ${temp("proxy")};`,
    `  fastcgi_temp_path ${temp("fastcgi")};`,
    `  uwsgi_temp_path ${temp("uwsgi")};`,
    `  scgi_temp_path ${temp("scgi")};`,
    "  default_type application/octet-stream;",
    `  include ${path.join(dir, "site.conf")};`,
    "}",
    "",
  ].join("\n");
}

export interface NginxOptions {
  /** The rendered site file (http context). Its listen ports must already be set. */
  site: string;
  /** Ports it listens on: start() resolves once they accept connections. */
  ports: number[];
  accessLog?: boolean;
}

/** One nginx in the foreground, single process (master_process off), stopped by its PID. */
export class Nginx {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> | null = null;
  private stderr = "";

  /** `dir`: the prefix folder (configs, logs, temp files; certificates may go there too). */
  private constructor(readonly dir: string) {}

  static async create(): Promise<Nginx> {
    return new Nginx(await mkdtemp(path.join(tmpdir(), "proxy-nginx-")));
  }

  /** `nginx -t` on the rendered config; returns its output, throws on failure. */
  async check(options: NginxOptions): Promise<string> {
    const conf = await this.writeConfig(options);
    const result = spawnSync(NGINX_PATH, ["-t", "-p", this.dir, "-c", conf], { encoding: "utf8", timeout: 10_000 });
    const output = `${result.stdout}${result.stderr}`;
    if (result.status !== 0) throw new Error(`nginx -t failed:\n${output}`);
    return output;
  }

  async start(options: NginxOptions): Promise<void> {
    const conf = await this.writeConfig(options);
    const child = spawn(NGINX_PATH, ["-p", this.dir, "-c", conf, "-g", "daemon off; master_process off;"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child = child;
    child.stderr!.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    for (const port of options.ports) {
      while (!(await accepts(port))) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`nginx did not start on ${port}: ${this.stderr}${await this.errorLog()}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async errorLog(): Promise<string> {
    return readFile(path.join(this.dir, "error.log"), "utf8").catch(() => "");
  }

  async accessLog(): Promise<string[]> {
    const text = await readFile(path.join(this.dir, "access.log"), "utf8").catch(() => "");
    return text.split("\n").filter(Boolean);
  }

  /** SIGQUIT (graceful), SIGKILL after 5 s; then removes the prefix folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async writeConfig(options: NginxOptions): Promise<string> {
    const dir = this.dir;
    await writeFile(path.join(dir, "site.conf"), options.site);
    const conf = path.join(dir, "nginx.conf");
    await writeFile(conf, mainConfig(dir, options.accessLog ?? false));
    return conf;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
