// The files under ingest/deploy/: checked with the real tools where this machine has them (systemd-analyze,
// nginx -t), parsed where it does not (Traefik is not packaged for Debian), and the unit's command run for real.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configSchema, envName, loadConfig } from "../../ingest/src/config.js";
import { publish, until } from "../ingest/e2e/support.js";
import { get } from "../ingest/http/http-client.js";
import { describeWithNginx, Nginx } from "./support/nginx.js";
import { DEPLOY_DIR, freePort, renderShipped } from "./support/shipped.js";
import { selfSignedCertificate } from "./support/tls.js";
import { describeWithVarnish, Varnish, VARNISHD_PATH } from "./support/varnish.js";

const REPO = new URL("../..", import.meta.url).pathname;
const deployFile = (name: string) => readFileSync(path.join(DEPLOY_DIR, name), "utf8");
const UNIT_NAME = "live-shows-ingest.service";
const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";

/** [Section] Key=Value lines of a unit file (repeated keys keep the last value, as the tests need). */
function parseUnit(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) sections[section[1]!] = current = {};
    const entry = /^(\w+)=(.*)$/.exec(line);
    if (entry) current[entry[1]!] = entry[2]!;
  }
  return sections;
}

const unit = parseUnit(deployFile(UNIT_NAME));
const service = unit.Service!;
const defaults = Object.fromEntries(
  Object.entries(configSchema.shape).map(([key, field]) => [
    envName(key as keyof typeof configSchema.shape),
    "defaultValue" in field.def ? String(field.def.defaultValue) : undefined,
  ]),
);

describe("systemd unit (ingest/deploy/live-shows-ingest.service)", () => {
  const describeAnalyze = existsSync(SYSTEMD_ANALYZE) || process.env.CI === "true" ? describe : describe.skip;
  describeAnalyze("systemd-analyze (syntax and sandbox only: systemd is not PID 1 in this container)", () => {
    let dir: string;
    let unitPath: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "proxy-unit-"));
      unitPath = path.join(dir, UNIT_NAME);
      // verify checks that ExecStart's binary exists: point it at this machine's node when it lives elsewhere.
      await writeFile(unitPath, deployFile(UNIT_NAME).replace("ExecStart=/usr/bin/node ", `ExecStart=${process.execPath} `));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("passes systemd-analyze verify", () => {
      const result = spawnSync(SYSTEMD_ANALYZE, ["verify", unitPath], { encoding: "utf8", timeout: 30_000 });
      expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
      expect(result.status).toBe(0);
    });

    it("scores as well sandboxed in systemd-analyze security (exposure below 2 of 10)", () => {
      const result = spawnSync(SYSTEMD_ANALYZE, ["security", "--offline=yes", "--no-pager", unitPath], {
        encoding: "utf8",
        timeout: 30_000,
      });
      const score = /Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout)?.[1];
      expect(score, result.stdout + result.stderr).toBeDefined();
      expect(Number(score)).toBeLessThan(2);
    });
  });

  it("runs node directly as a system user with the data folder as StateDirectory and a bounded graceful stop", () => {
    expect(service.User).toBe("live-shows");
    expect(service.ExecStart).toBe("/usr/bin/node ingest/dist/main.js");
    expect(service.WorkingDirectory).toBe("/opt/live-shows");
    expect(service.EnvironmentFile).toBe("/etc/live-shows/ingest.env");
    expect(service.Restart).toBe("on-failure");
    expect(service.KillMode).toBe("mixed");
    // main.ts gives close() 5 s; systemd must wait longer before SIGKILL.
    expect(Number.parseInt(service.TimeoutStopSec!, 10)).toBeGreaterThan(5);
    expect(service.CapabilityBoundingSet).toBe("");
    expect(service.ProtectSystem).toBe("strict");
    expect(service.SystemCallFilter).toBe("@system-service");
    expect(service.RestrictAddressFamilies!.split(" ")).toEqual(expect.arrayContaining(["AF_INET", "AF_INET6", "AF_UNIX"]));
    expect(service.MemoryMax).toMatch(/^\d+[MG]$/);
  });
});

describe("environment file example (ingest/deploy/ingest.env.example)", () => {
  const text = deployFile("ingest.env.example");
  const lines = text
    .split("\n")
    .map((l) => /^#?(LIVE_[A-Z_]+)=(.*)$/.exec(l))
    .filter((m) => m !== null);

  it("names every LIVE_* variable of config.ts once, commented ones with their default", () => {
    const names = lines.map((m) => m[1]!);
    expect([...names].sort()).toEqual(Object.keys(defaults).sort());
    for (const m of lines) {
      if (!m[0].startsWith("#")) continue;
      // Options without a default (LIVE_KEYS is derived from LIVE_DATA_DIR; sign-in is off unless set) show an example.
      if (defaults[m[1]!] === undefined) continue;
      expect(m[2], m[1]).toBe(defaults[m[1]!]);
    }
  });

  it("is valid for loadConfig, keeps the keys in the unit's StateDirectory and HTTP on loopback, RTMP public", () => {
    const env = parseEnv(text);
    const loaded = loadConfig([], env);
    expect(loaded.ok && !loaded.help && loaded.config).toMatchObject({
      dataDir: `/var/lib/${service.StateDirectory}`,
      keys: `/var/lib/${service.StateDirectory}/keys.json`,
      allowOrigin: "https://forum.example.org",
      host: "0.0.0.0",
      httpHost: "127.0.0.1",
    });
  });
});

describe("Traefik dynamic configuration (ingest/deploy/traefik/)", () => {
  const http = parseYaml(deployFile("traefik/live-shows.yml")).http;
  const router = http.routers["live-shows"];

  /** The subset of Traefik's rule language the shipped rule uses: Path/PathPrefix joined by ||. */
  const routes = (rule: string, pathname: string): boolean =>
    rule.split("||").some((alternative) => {
      const m = /^\s*(Path|PathPrefix)\(`([^`]*)`\)\s*$/.exec(alternative);
      if (!m) throw new Error(`unsupported rule part: ${alternative}`);
      return m[1] === "Path" ? pathname === m[2] : pathname.startsWith(m[2]!);
    });

  it("routes /live and everything below it to the ingest, nothing else", () => {
    for (const p of ["/live", "/live/", "/live/show/index.m3u8", "/live/status.json", "/live/show/part-1-0.m4s"])
      expect(routes(router.rule, p), p).toBe(true);
    for (const p of ["/", "/metrics", "/healthz", "/livestream", "/t/some-topic/42", "/li"]) expect(routes(router.rule, p), p).toBe(false);
  });

  it("keeps the path whole and points at the ingest's default HTTP port on loopback", () => {
    expect(router.middlewares).toBeUndefined();
    expect(router.priority).toBeGreaterThan(100);
    expect(router.tls).toBeDefined();
    expect(router.entryPoints).toHaveLength(1);
    const lb = http.services[router.service].loadBalancer;
    expect(lb.servers).toEqual([{ url: `http://127.0.0.1:${defaults.LIVE_HTTP_PORT}` }]);
    expect(lb.healthCheck.path).toBe("/healthz");
  });

  it("terminates RTMPS on its own entry point and passes plain RTMP to the ingest's default port", () => {
    const tcp = parseYaml(deployFile("traefik/live-shows-rtmps.yml")).tcp;
    const rtmps = tcp.routers["live-shows-rtmps"];
    expect(rtmps.entryPoints).toEqual(["rtmps"]);
    expect(rtmps.rule).toMatch(/^HostSNI\(`[^`]+`\)$/);
    expect(rtmps.tls).toBeDefined();
    expect(rtmps.tls.passthrough).toBeUndefined();
    expect(tcp.services[rtmps.service].loadBalancer.servers).toEqual([{ address: `127.0.0.1:${defaults.LIVE_RTMP_PORT}` }]);
  });

  it("has the same route for Traefik 1.7 (traefik-v1.toml)", () => {
    const v1 = parseToml(deployFile("traefik/traefik-v1.toml")) as any;
    const frontend = v1.frontends["live-shows"];
    expect(Object.values(frontend.routes).map((r: any) => r.rule)).toEqual(["PathPrefix:/live"]);
    expect(frontend.priority).toBeGreaterThan(100);
    const backend = v1.backends[frontend.backend];
    expect(Object.values(backend.servers).map((s: any) => s.url)).toEqual([`http://127.0.0.1:${defaults.LIVE_HTTP_PORT}`]);
    expect(backend.healthcheck.path).toBe("/healthz");
  });
});

describeWithNginx("nginx sites (ingest/deploy/nginx/) pass nginx -t as shipped, certificates aside", () => {
  for (const [file, host] of [
    ["nginx/live-shows.conf", "live.example.org"],
    ["nginx/live-shows-cache.conf", "cache.example.org"],
  ] as const) {
    it(file, async () => {
      const nginx = await Nginx.create();
      try {
        const tls = await selfSignedCertificate(nginx.dir);
        const substitutions: Array<[string, string]> = [
          [`/etc/letsencrypt/live/${host}/fullchain.pem`, tls.certFile],
          [`/etc/letsencrypt/live/${host}/privkey.pem`, tls.keyFile],
        ];
        if (file.includes("cache")) substitutions.push(["/var/cache/nginx/live-shows", path.join(nginx.dir, "cache")]);
        const output = await nginx.check({ site: await renderShipped(file, substitutions), ports: [] });
        expect(output).toContain("test is successful");
      } finally {
        await nginx.stop();
      }
    });
  }
});

describeWithVarnish("Varnish VCL (ingest/deploy/varnish/live-shows.vcl)", () => {
  it("compiles with varnishd -C", async () => {
    const varnish = await Varnish.create();
    try {
      // A copy in Varnish's own folder: as root varnishd reads -f as its own user, which cannot enter a
      // checkout in a private folder (e.g. a clone under `mktemp -d`, mode 0700).
      const vcl = path.join(varnish.dir, "live-shows.vcl");
      await writeFile(vcl, deployFile("varnish/live-shows.vcl"));
      const result = spawnSync(VARNISHD_PATH, ["-C", "-f", vcl, "-n", path.join(varnish.dir, "work")], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.status, result.stderr.slice(-2000)).toBe(0);
    } finally {
      await varnish.stop();
    }
  });
});

describe("the unit's command with the example settings, and live-shows-keys", () => {
  let dir: string;
  let envFile: string;
  let env: Record<string, string>;
  let ports: { rtmp: number; http: number };

  /** What systemd would run: ExecStart in WorkingDirectory with the EnvironmentFile (repo and node of this machine). */
  const serviceCommand = () => {
    const [binary, ...args] = service.ExecStart!.split(" ");
    expect(binary).toBe("/usr/bin/node");
    return spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH!, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  };
  const keysWrapper = (...args: string[]) =>
    spawnSync(path.join(DEPLOY_DIR, "live-shows-keys"), args, {
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: process.env.PATH!, LIVE_SHOWS_DIR: REPO, LIVE_SHOWS_ENV: envFile, LIVE_SHOWS_USER: userInfo().username },
    });

  beforeAll(async () => {
    // What `npm ci` does on the server (its prepare script): the unit runs the compiled ingest/dist.
    const built = spawnSync(process.execPath, [path.join(REPO, "ingest/scripts/build-dist.mjs")], { encoding: "utf8", timeout: 60_000 });
    expect(built.status, built.stderr).toBe(0);
    dir = await mkdtemp(path.join(tmpdir(), "proxy-service-"));
    ports = { rtmp: await freePort(), http: await freePort() };
    const text = (await readFile(path.join(DEPLOY_DIR, "ingest.env.example"), "utf8"))
      .replace("LIVE_DATA_DIR=/var/lib/live-shows", `LIVE_DATA_DIR=${dir}`)
      .replace("#LIVE_HOST=0.0.0.0", "LIVE_HOST=127.0.0.1")
      .replace("#LIVE_RTMP_PORT=1935", `LIVE_RTMP_PORT=${ports.rtmp}`)
      .replace("#LIVE_HTTP_PORT=8080", `LIVE_HTTP_PORT=${ports.http}`)
      .replace("#LIVE_GRACE_S=60", "LIVE_GRACE_S=30");
    envFile = path.join(dir, "ingest.env");
    await writeFile(envFile, text);
    env = parseEnv(text) as Record<string, string>;
    if (!existsSync(env.FFMPEG_PATH!)) delete env.FFMPEG_PATH;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("live-shows-keys adds, lists and revokes keys in the service's data folder with the public URL", () => {
    const added = keysWrapper("add", "show");
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toContain(`Server:     rtmp://live.example.org:${ports.rtmp}/live`);
    expect(added.stdout).toMatch(/Stream Key: live_[A-Za-z0-9_-]{32}/);
    expect(added.stdout).toContain("Watch:   https://live.example.org/live/show/index.m3u8");
    expect(existsSync(path.join(dir, "keys.json"))).toBe(true);
    expect(keysWrapper("list").stdout).toMatch(/^show\s+[0-9a-f]{8}/m);
    expect(keysWrapper("add", "spare").status).toBe(0);
    expect(keysWrapper("revoke", "spare").stdout).toContain('Revoked the key of stream "spare"');
  });

  it("serves a publish with no child process, and on SIGTERM to node ends the show before TimeoutStopSec", async () => {
    const key = /Stream Key: (live_\S+)/.exec(keysWrapper("add", "show").stdout)?.[1];
    expect(key).toBeDefined();
    const child = serviceCommand();
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      child.once("exit", (code) => resolve({ code, at: performance.now() })),
    );
    let publisher: ReturnType<typeof publish> | null = null;
    try {
      await until(
        "the service's /healthz",
        async () => (await get(`http://127.0.0.1:${ports.http}/healthz`).catch(() => null))?.status === 200,
        20_000,
        100,
      );
      publisher = publish(`rtmp://127.0.0.1:${ports.rtmp}/live/${key}`, 60, { videoBitrate: "800k" });
      const playlist = `http://127.0.0.1:${ports.http}/live/show/index.m3u8`;
      await until("the show's playlist", async () => (await get(playlist).catch(() => null))?.status === 200, 30_000, 250);
      // The live path muxes in-process: a publish runs no ffmpeg (or any other) child.
      expect(childPids(child.pid!), output).toEqual([]);

      const stopAt = performance.now();
      child.kill("SIGTERM");
      const { code, at } = await exited;
      expect(code, output).toBe(0);
      expect((at - stopAt) / 1000).toBeLessThan(Number.parseInt(service.TimeoutStopSec!, 10));
      expect(output).toContain('"msg":"stopped"');
      console.info(`service command stopped ${((at - stopAt) / 1000).toFixed(2)} s after SIGTERM`);
    } finally {
      await publisher?.kill();
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

/** Direct children of a process (every thread's /proc children list). */
function childPids(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
}
