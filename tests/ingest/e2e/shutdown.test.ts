// The real CLI (tsx ingest/src/main.ts) as a child process: publish, SIGTERM, clean exit.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { request } from "../http/http-client.js";
import { killPublishers, nextPart, parsePlaylist, publish, until } from "./support.js";

const root = path.resolve(import.meta.dirname, "../../..");
// The tsx binary itself (what `npx tsx` runs), so the signal reaches the process that relays it.
const tsx = path.join(root, "node_modules/.bin/tsx");
const main = path.join(root, "ingest/src/main.ts");

let child: ChildProcess | null = null;
let dir: string | null = null;

afterAll(async () => {
  killPublishers();
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LIVE_")));
}

describe("the ingest CLI", () => {
  it("on SIGTERM ends playlists for held viewers and exits 0", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ingest-cli-"));
    const { key } = await new KeyStore({ file: path.join(dir, "keys.json") }).add("show");
    const proc = spawn(tsx, [main, "--rtmp-port", "0", "--http-port", "0", "--host", "127.0.0.1", "--data-dir", dir], {
      cwd: root,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const lines: Array<Record<string, unknown>> = [];
    let stdout = "";
    let stderr = "";
    proc.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const complete = stdout.split("\n");
      stdout = complete.pop()!;
      for (const line of complete) if (line.startsWith("{")) lines.push(JSON.parse(line));
    });
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once("close", (code, signal) => resolve({ code, signal })),
    );
    const logged = (msg: string) => lines.find((l) => l.msg === msg);

    const httpPort = (await until("http listening", () => logged("http listening"), 20_000)).port as number;
    const rtmpPort = (await until("RTMP listening", () => logged("RTMP server listening"), 5_000)).port as number;
    const publisher = publish(`rtmp://127.0.0.1:${rtmpPort}/live/${key}`);
    await until("stream live", () => logged("stream live"), 20_000);

    const playlist = async () => {
      const reply = await request(httpPort, "/live/show/index.m3u8");
      if (reply.status !== 200) throw new Error(`HTTP ${reply.status}`);
      return parsePlaylist(reply.text);
    };
    await until("a complete segment", async () => (await playlist()).manifest.segments.length >= 1, 20_000, 200);
    // Held until the next keyframe (over a second away right after a segment starts).
    const at = await until(
      "a fresh segment",
      async () => {
        const next = nextPart(await playlist());
        return next.part <= 2 ? next : undefined;
      },
      10_000,
      20,
    );
    const held = request(httpPort, `/live/show/index.m3u8?_HLS_msn=${at.msn + 1}&_HLS_part=0`);
    await new Promise((r) => setTimeout(r, 100));

    const signalledAt = performance.now();
    proc.kill("SIGTERM");
    const reply = await held;
    expect(reply.status).toBe(200);
    expect(parsePlaylist(reply.text).manifest.endList).toBe(true);

    const exit = await Promise.race([exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 8_000))]);
    expect(exit, stderr).toEqual({ code: 0, signal: null });
    console.info(`ingest CLI: SIGTERM to exit ${Math.round(performance.now() - signalledAt)} ms`);
    expect(logged("ingest closed")).toBeDefined();
    expect(lines.some((l) => l.msg === "stream ended" && l.reason === "shutdown")).toBe(true);
    expect(lines.some((l) => l.msg === "killed ffmpeg exports that did not exit in time")).toBe(false);
    const published = await publisher.exited;
    expect(published.code).not.toBe(0);
  });
});
