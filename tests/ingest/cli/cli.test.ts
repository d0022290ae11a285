import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyStore } from "../../../ingest/src/keys/index.js";

const root = path.resolve(import.meta.dirname, "../../..");
// The tsx binary itself (what `npx tsx` runs), so the test holds the PID that receives signals.
const tsx = path.join(root, "node_modules/.bin/tsx");
const main = path.join(root, "ingest/src/main.ts");

let dir: string;
const children = new Set<ChildProcess>();

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cli-test-"));
});

afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("LIVE_")) env[k] = v;
  return { ...env, ...extra };
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [main, ...args], { cwd: root, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the ingest and resolves once HTTP listens; `stop()` sends SIGTERM and resolves with the exit. */
function serve(args: string[]) {
  const child = spawn(tsx, [main, ...args], { cwd: root, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      if (stdout.includes('"msg":"http listening"')) resolve();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  return {
    listening,
    output: () => stdout,
    stop: async () => {
      child.kill("SIGTERM");
      return { code: await exited, stdout, stderr };
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

const keyLine = /Stream Key: (live_[A-Za-z0-9_-]{32})/;

describe("keys subcommands", () => {
  it("add prints a key once with the OBS settings; list and revoke manage it; the file holds no key", async () => {
    const added = await run(["keys", "add", "foo", "--data-dir", dir, "--host", "127.0.0.1"]);
    expect(added.code).toBe(0);
    const key = keyLine.exec(added.stdout)?.[1];
    expect(key).toBeDefined();
    expect(added.stdout).toContain(`OBS → Settings → Stream: Service Custom, Server rtmp://127.0.0.1:1935/live, Stream Key ${key}`);
    expect(added.stdout).toContain("Watch:   http://127.0.0.1:8080/live/foo/index.m3u8");
    const file = path.join(dir, "keys.json");
    expect(await readFile(file, "utf8")).not.toContain(key!);
    expect(await new KeyStore({ file }).authenticate(key!)).toBe("foo");

    const list = await run(["keys", "list", "--data-dir", dir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^STREAM\s+FINGERPRINT\s+CREATED\s+UPDATED\s+ACCESS\s+RENDITIONS$/m);
    expect(list.stdout).toMatch(/^foo\s+[0-9a-f]{8}\s+\d{4}-\d\d-\d\dT.*\spublic\s+default$/m);
    expect(list.stdout).not.toContain(key!);

    const revoked = await run(["keys", "revoke", "foo", "--data-dir", dir]);
    expect(revoked.code).toBe(0);
    expect(await new KeyStore({ file }).authenticate(key!)).toBeNull();
    const again = await run(["keys", "revoke", "foo", "--data-dir", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('stream "foo" has no key');
    expect((await run(["keys", "list", "--data-dir", dir])).stdout).toContain("No keys in");
  });

  // Few spawns (each starts tsx): the store's own tests cover the modes in detail.
  it("access sets who may watch and list shows it", { timeout: 90_000 }, async () => {
    await run(["keys", "add", "foo", "--data-dir", dir]);
    const groups = await run(["keys", "access", "foo", "groups:Patrons,crew", "--data-dir", dir]);
    expect(groups.code).toBe(0);
    expect(groups.stdout).toContain('Stream "foo" is now groups:patrons,crew.');
    expect(groups.stdout).toContain("--discourse-url");
    expect((await run(["keys", "list", "--data-dir", dir])).stdout).toMatch(/^foo\s.*\sgroups:patrons,crew\s+default$/m);
    const missing = await run(["keys", "access", "bar", "members", "--data-dir", dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('stream "bar" has no key');
  });

  it("renditions sets a stream's transcoded renditions, kept when its key is replaced", { timeout: 90_000 }, async () => {
    await run(["keys", "add", "foo", "--data-dir", dir]);
    const set = await run(["keys", "renditions", "foo", "360p,480p", "--data-dir", dir]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('Renditions of stream "foo": 480p, 360p.');
    await run(["keys", "add", "foo", "--data-dir", dir]);
    expect((await run(["keys", "list", "--data-dir", dir])).stdout).toMatch(/^foo\s.*\spublic\s+480p,360p$/m);
    const none = await run(["keys", "renditions", "foo", "none", "--data-dir", dir]);
    expect(none.stdout).toContain('Renditions of stream "foo": none.');
    const back = await run(["keys", "renditions", "foo", "default", "--data-dir", dir]);
    expect(back.stdout).toContain("the ingest's default (--renditions none)");
    expect(await new KeyStore({ file: path.join(dir, "keys.json") }).renditionSettings()).toEqual(new Map());
  });

  it("concurrent adds and revokes from separate processes all land", async () => {
    for (const name of ["old1", "old2", "old3"]) expect((await run(["keys", "add", name, "--data-dir", dir])).code).toBe(0);
    const names = ["p1", "p2", "p3"];
    const runs = await Promise.all([
      ...names.map((name) => run(["keys", "add", name, "--data-dir", dir])),
      ...["old1", "old2"].map((name) => run(["keys", "revoke", name, "--data-dir", dir])),
      run(["keys", "access", "old3", "members", "--data-dir", dir]),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const store = new KeyStore({ file: path.join(dir, "keys.json") });
    expect((await store.list()).map((k) => [k.stream, k.access])).toEqual([["old3", "members"], ...names.map((n) => [n, "public"])]);
    for (const [i, name] of names.entries()) expect(await store.authenticate(keyLine.exec(runs[i]!.stdout)![1]!)).toBe(name);
  }, 120_000);

  it("built-in JavaScript property names are ordinary stream names", async () => {
    const added = await run(["keys", "add", "toString", "--data-dir", dir]);
    expect(added.stdout).toContain('Created a key of stream "toString"');
    const missing = await run(["keys", "revoke", "constructor", "--data-dir", dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('stream "constructor" has no key');
  }, 60_000);

  it("uses --public-url for the printed URLs and LIVE_* environment variables", async () => {
    const keys = path.join(dir, "elsewhere.json");
    const added = await run(["keys", "add", "show", "--public-url", "https://forum.example.org"], { LIVE_KEYS: keys, LIVE_APP: "shows" });
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("Server:     rtmp://forum.example.org:1935/shows");
    expect(added.stdout).toContain("Watch:   https://forum.example.org/live/show/index.m3u8");
    expect(added.stdout).toContain(keys);
    expect(await readFile(keys, "utf8")).toContain('"show"');
  });

  it.each<[string[], number, RegExp]>([
    [["keys", "add", "bad/name"], 2, /invalid stream name "bad\/name"/],
    [["keys", "add"], 2, /keys add takes exactly one stream name/],
    [["keys", "list", "extra"], 2, /keys list takes no arguments/],
    [["keys", "access", "foo"], 2, /keys access takes a stream name and a mode/],
    [["keys", "access", "foo", "everyone"], 2, /invalid access mode "everyone": expected public, members or groups:/],
    [["keys", "renditions", "foo"], 2, /keys renditions takes a stream name and a list/],
    [["keys", "renditions", "foo", "1080p"], 2, /invalid renditions "1080p": expected "default", "none" or a comma-separated list of 720p/],
    [["keys", "rotate", "x"], 2, /unknown keys subcommand "rotate"/],
    [["serve"], 2, /unknown command "serve"/],
    [["--rtmp-port", "abc"], 2, /invalid value "abc" for --rtmp-port/],
    [["keys", "list", "--bogus"], 2, /unknown option --bogus/],
  ])("%j exits %s", async (args, code, message) => {
    const result = await run([...args, "--data-dir", dir]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });

  it("a bad environment variable exits 2 naming it", async () => {
    const result = await run(["keys", "list"], { LIVE_HTTP_PORT: "eighty" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid value "eighty" for LIVE_HTTP_PORT');
  });

  it("--help prints usage and exits 0", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--rtmp-port <value>");
    expect(result.stdout).toContain("LIVE_RTMP_PORT");
  });
});

describe("start", () => {
  it("first start creates a key for `test` and prints it once; the second start does not", async () => {
    const [httpPort, rtmpPort] = [await freePort(), await freePort()];
    const args = ["--data-dir", dir, "--host", "127.0.0.1", "--http-port", String(httpPort), "--rtmp-port", String(rtmpPort)];

    const first = serve(args);
    await first.listening;
    const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    expect(health.status).toBe(200);
    const firstRun = await first.stop();
    expect(firstRun.code).toBe(0);
    expect(firstRun.stdout).toContain('"msg":"stopped"');
    const key = keyLine.exec(firstRun.stdout)?.[1];
    expect(firstRun.stdout).toContain(
      `OBS → Settings → Stream: Service Custom, Server rtmp://127.0.0.1:${rtmpPort}/live, Stream Key ${key}`,
    );
    expect(firstRun.stdout).toContain(`Watch:   http://127.0.0.1:${httpPort}/live/test/index.m3u8`);
    expect(firstRun.stdout).toContain(`Preview: http://127.0.0.1:${httpPort}/live/`);
    expect(firstRun.stdout.split(key!).length - 1).toBe(2); // the OBS line and the Stream Key line
    expect(await new KeyStore({ file: path.join(dir, "keys.json") }).authenticate(key!)).toBe("test");

    const second = serve(args);
    await second.listening;
    const secondRun = await second.stop();
    expect(secondRun.code).toBe(0);
    expect(secondRun.stdout).not.toContain("Stream Key");
    expect(secondRun.stdout).not.toContain(key!);
  });

  it(
    "sign-in: a secret file readable by others stops the start; the secret never shows in ps output or the log",
    { timeout: 90_000 },
    async () => {
      const secret = "cli-secret-9f8e7d6c5b4a";
      const secretFile = path.join(dir, "connect-secret");
      await writeFile(secretFile, `${secret}\n`, { mode: 0o644 });
      const httpPort = await freePort();
      const args = [
        "--data-dir",
        dir,
        "--host",
        "127.0.0.1",
        "--http-port",
        String(httpPort),
        "--rtmp-port",
        String(await freePort()),
        "--public-url",
        `http://127.0.0.1:${httpPort}`,
        "--discourse-url",
        "https://forum.example.org",
        "--discourse-connect-secret-file",
        secretFile,
      ];
      const refused = await run(args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `--discourse-connect-secret-file ${secretFile}: is mode 0644; it must be readable by its owner only: chmod 600 ${secretFile}`,
      );
      expect(refused.stderr + refused.stdout).not.toContain(secret);

      await chmod(secretFile, 0o600);
      const running = serve(args);
      await running.listening;
      const ps = await new Promise<string>((resolve, reject) =>
        execFile("ps", ["-eo", "pid,args"], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
      expect(ps).toContain(secretFile);
      expect(ps).not.toContain(secret);
      const stopped = await running.stop();
      expect(stopped.stdout + stopped.stderr).not.toContain(secret);
    },
  );

  it("a malformed keys file stops the start with a clear error and is left untouched", async () => {
    const file = path.join(dir, "keys.json");
    await writeFile(file, '{"version": 1, "streams": {"test": {"key": "plain"}}}');
    const result = await run(["--data-dir", dir, "--host", "127.0.0.1", "--http-port", String(await freePort())]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`keys file ${file}: unexpected content at streams.test`);
    expect(await readFile(file, "utf8")).toBe('{"version": 1, "streams": {"test": {"key": "plain"}}}');
  });

  it("one ingest per data folder: a second start names the running one; a kill -9 leaves nothing that blocks the next", async () => {
    const ports = async () => ["--http-port", String(await freePort()), "--rtmp-port", String(await freePort())];
    const common = ["--data-dir", dir, "--host", "127.0.0.1"];
    const firstPorts = await ports();
    const first = serve([...common, ...firstPorts]);
    await first.listening;
    // The node process running the ingest (tsx runs it as its child) wrote its pid into the lock.
    const lock = JSON.parse(await readFile(path.join(dir, "ingest.lock"), "utf8")) as { pid: number; rtmpPort: number; httpPort: number };
    expect([String(lock.httpPort), String(lock.rtmpPort)]).toEqual([firstPorts[1], firstPorts[3]]);

    const second = await run([...common, ...(await ports())]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`data folder ${dir} is in use by another ingest (pid ${lock.pid}`);
    expect(second.stderr).toContain(`RTMP port ${firstPorts[3]}, HTTP port ${firstPorts[1]}`);
    expect((await fetch(`http://127.0.0.1:${firstPorts[1]}/healthz`)).status).toBe(200);

    process.kill(lock.pid, "SIGKILL");
    await first.stop();
    const third = serve([...common, ...(await ports())]);
    await third.listening;
    expect((await third.stop()).code).toBe(0);
    await expect(readFile(path.join(dir, "ingest.lock"))).rejects.toThrow(/ENOENT/);
  }, 90_000);

  it("a port in use is a runtime error (exit 1)", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const result = await run(["--data-dir", dir, "--host", "127.0.0.1", "--http-port", String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/could not start: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
