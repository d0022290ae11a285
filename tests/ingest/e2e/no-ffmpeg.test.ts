// Issue 13: the live path needs no ffmpeg. The ingest runs as a separate process whose PATH holds only
// node (no ffmpeg, no ffprobe; ffmpeg-static is an optional dependency that is not installed here, and
// FFMPEG_PATH is unset), a real ffmpeg publisher (the test's own PATH) sends a show, and it is served
// as LL-HLS that decodes, with no child process ever started by the ingest.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { freePort } from "../../proxy/support/shipped.js";
import { request } from "../http/http-client.js";
import { decodeErrors } from "../rtmp/helpers/processes.js";
import { parsePlaylist, publish, until, type Publisher } from "./support.js";

const root = path.resolve(import.meta.dirname, "../../..");

/** Direct children of a process (every thread's /proc children list). */
function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
  );
}

describe("the ingest on a machine without ffmpeg", () => {
  let dir: string;
  let ingest: ChildProcess;
  let publisher: Publisher | undefined;
  let output = "";
  const ports = { http: 0, rtmp: 0 };
  let key: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "bare-machine-"));
    const bin = path.join(dir, "bin");
    await mkdir(bin);
    await symlink(process.execPath, path.join(bin, "node"));
    ({ key } = await new KeyStore({ file: path.join(dir, "keys.json") }).add("show"));
    [ports.http, ports.rtmp] = [await freePort(), await freePort()];
    ingest = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "ingest/src/main.ts",
        "--data-dir",
        dir,
        "--host",
        "127.0.0.1",
        "--http-port",
        String(ports.http),
        "--rtmp-port",
        String(ports.rtmp),
      ],
      { cwd: root, env: { PATH: bin, HOME: dir }, stdio: ["ignore", "pipe", "pipe"] },
    );
    for (const stream of [ingest.stdout!, ingest.stderr!]) stream.on("data", (d: Buffer) => (output += d.toString()));
    await until(
      "the ingest's /healthz",
      async () => ((await request(ports.http, "/healthz").catch(() => null))?.status === 200 ? true : undefined),
      20_000,
    );
  });

  afterAll(async () => {
    await publisher?.kill();
    if (ingest.exitCode === null) ingest.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("has no ffmpeg, ffprobe or ffmpeg-static to find", () => {
    expect(readdirSync(path.join(dir, "bin"))).toEqual(["node"]);
    expect(existsSync(path.join(root, "node_modules/ffmpeg-static/package.json"))).toBe(false);
  });

  it("serves a publish as LL-HLS that decodes, without starting any child process, and stops cleanly", async () => {
    publisher = publish(`rtmp://127.0.0.1:${ports.rtmp}/live/${key}`, 30);
    const playlist = await until(
      "two segments in the playlist",
      async () => {
        const reply = await request(ports.http, "/live/show/index.m3u8").catch(() => null);
        if (reply?.status !== 200) return undefined;
        const p = parsePlaylist(reply.text);
        return p.manifest.segments.length >= 2 ? p : undefined;
      },
      30_000,
    );
    expect(childPids(ingest.pid!), output).toEqual([]);
    expect(playlist.text).toMatch(/#EXT-X-PART-INF:PART-TARGET=/);
    expect(playlist.text).toMatch(/#EXT-X-PART:DURATION=[\d.]+,URI="[^"]+",INDEPENDENT=YES/);

    const status = JSON.parse((await request(ports.http, "/live/show/status.json")).text) as { live: boolean; video: { codec: string } };
    expect(status.live).toBe(true);
    expect(status.video.codec).toMatch(/^avc1\./);

    const segment = playlist.manifest.segments[0]!;
    const init = await request(ports.http, `/live/show/${segment.map!.uri}`);
    const media = await request(ports.http, `/live/show/${segment.uri}`);
    expect([init.status, media.status]).toEqual([200, 200]);
    const file = path.join(dir, "first.mp4");
    await writeFile(file, Buffer.concat([init.body, media.body]));
    expect(await decodeErrors(file)).toBe("");

    const exited = new Promise<number | null>((resolve) => ingest.once("exit", resolve));
    ingest.kill("SIGTERM");
    expect(await exited, output).toBe(0);
    expect(output.split("\n").filter((l) => /ffmpeg/i.test(l))).toEqual([]);
  });
});
