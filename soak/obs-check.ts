// `npm run check:obs -- [--stream-s 40] [--grace-s 5]`: a real OBS Studio (headless under Xvfb, software
// rendering, configured through its files in a temporary XDG_CONFIG_HOME) streams to the ingest from this
// checkout, and the show is checked from outside: status.json while live, the LL-HLS playlist, the init segment
// and two segments decoded by ffmpeg and described by ffprobe, then OBS is stopped and the stream must go
// reconnecting → ended after the grace period. Prints a short report; exit 1 if a check fails. Manual, not in
// `npm test`: it needs `apt-get install obs-studio xvfb` (and ffmpeg) and takes about a minute.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { KeyStore } from "../ingest/src/keys/index.js";
import type { StreamStatus } from "../ingest/src/streams/stream-view.js";
import { httpRequest } from "./http-client.js";
import { OBS_PROFILE, writeObsConfig, type ObsSettings } from "./obs-config.js";
import { childProcesses, processAlive } from "./proc.js";

const root = path.resolve(import.meta.dirname, "..");
const STREAM = "obs";

const { values: flags } = parseArgs({
  options: {
    "stream-s": { type: "string", default: "40" },
    "grace-s": { type: "string", default: "5" },
    /** x264 tune; "none" leaves OBS's default x264, which uses B-frames (composition offsets in the FLV). */
    tune: { type: "string", default: "zerolatency" },
    "keep-dir": { type: "boolean", default: false },
  },
  strict: true,
});
const streamS = Number(flags["stream-s"]);
const graceS = Number(flags["grace-s"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

function requireTool(command: string, args: string[], hint: string): string {
  const run = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  if (run.error || run.status !== 0) {
    console.error(`error: \`${command}\` is missing or broken (${run.error?.message ?? `exit ${run.status}`}): ${hint}`);
    process.exit(2);
  }
  return `${run.stdout}${run.stderr}`.trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const INSTALL = "apt-get install obs-studio xvfb";
const obsVersion = requireTool("obs", ["--version"], INSTALL);
requireTool("xvfb-run", ["-a", "true"], INSTALL);
requireTool("ffmpeg", ["-version"], "apt-get install ffmpeg");

const dir = mkdtempSync(path.join(tmpdir(), "obs-check-"));
const home = path.join(dir, "home");
const configHome = path.join(home, ".config");
const keysFile = path.join(dir, "keys.json");
const { key } = await new KeyStore({ file: keysFile }).add(STREAM);
const [rtmpPort, httpPort] = [await freePort(), await freePort()];
const base = `http://127.0.0.1:${httpPort}/live/${STREAM}`;

// What OBS shows: a moving test pattern with a tone, looped (10 s, so the loop point is crossed while streaming).
const mediaFile = path.join(dir, "clip.mkv");
execFileSync(
  "ffmpeg",
  [
    ...["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi"],
    ...["-i", "sine=frequency=440:sample_rate=48000", "-t", "10", "-c:v", "libx264", "-preset", "ultrafast"],
    ...["-g", "30", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", mediaFile],
  ],
  { stdio: "inherit", timeout: 60_000 },
);
const settings: ObsSettings = {
  server: `rtmp://127.0.0.1:${rtmpPort}/live`,
  streamKey: key,
  mediaFile,
  width: 1280,
  height: 720,
  fps: 30,
  videoKbps: 2500,
  audioKbps: 160,
  keyframeIntervalS: 2,
  tune: flags.tune === "none" ? null : flags.tune!,
};
writeObsConfig(configHome, settings);

const ingest = spawn(
  process.execPath,
  [
    ...["--import", "tsx", "ingest/src/main.ts", "--host", "127.0.0.1", "--rtmp-port", String(rtmpPort)],
    ...["--http-port", String(httpPort), "--data-dir", dir, "--keys", keysFile, "--grace-s", String(graceS)],
    ...["--log-format", "json"],
  ],
  { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
);
const ingestLog: string[] = [];
for (const output of [ingest.stdout, ingest.stderr]) createInterface({ input: output }).on("line", (l) => ingestLog.push(l));

let xvfbRun: ChildProcess | null = null;
const obsPid = (): number | undefined =>
  xvfbRun?.pid === undefined ? undefined : childProcesses(xvfbRun.pid).find((c) => c.comm === "obs")?.pid;

async function statusNow(): Promise<StreamStatus | null> {
  const reply = await httpRequest(`${base}/status.json`, { timeoutMs: 5_000 }).catch(() => null);
  return reply?.status === 200 ? (JSON.parse(reply.body.toString()) as StreamStatus) : null;
}

async function fetchTo(url: string, file: string): Promise<Buffer> {
  const reply = await httpRequest(url, { timeoutMs: 10_000 });
  if (reply.status !== 200) throw new Error(`GET ${url}: ${reply.status}`);
  writeFileSync(file, reply.body);
  return reply.body;
}

/** Decodes a file fully; ffmpeg's error output ("" = clean) and ffprobe's description of its streams and frames. */
function decode(file: string): { errors: string; streams: string; frameTypes: string } {
  const errors = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" }).stderr.trim();
  const probe = JSON.parse(
    execFileSync(
      "ffprobe",
      [
        ...["-v", "error", "-show_entries"],
        "stream=codec_name,profile,width,height,r_frame_rate,has_b_frames,sample_rate,channels:format=start_time",
        ...["-of", "json", file],
      ],
      { encoding: "utf8" },
    ),
  ) as { streams: Record<string, string | number>[]; format: { start_time: string } };
  const streams = probe.streams
    .map((s) =>
      s.width
        ? `${s.codec_name} ${s.profile} ${s.width}x${s.height} ${s.r_frame_rate} has_b_frames=${s.has_b_frames}`
        : `${s.codec_name} ${s.profile} ${s.sample_rate} Hz ${s.channels} ch`,
    )
    .join("; ");
  const types = execFileSync(
    "ffprobe",
    ["-v", "error", "-select_streams", "v", "-show_entries", "frame=pict_type", "-of", "csv=p=0", file],
    { encoding: "utf8" },
  );
  const counts = new Map<string, number>();
  for (const line of types.split("\n")) {
    const type = line.replace(/,/g, "").trim();
    if (type) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return {
    errors,
    streams: `${streams}; starts at ${probe.format.start_time} s`,
    frameTypes: [...counts].map(([t, n]) => `${t}:${n}`).join(" "),
  };
}

let exitCode = 0;
try {
  for (
    let i = 0;
    (await httpRequest(`http://127.0.0.1:${httpPort}/healthz`, { timeoutMs: 1_000 }).catch(() => null))?.status !== 200;
    i++
  ) {
    if (i > 150 || ingest.exitCode !== null) throw new Error(`the ingest did not start:\n${ingestLog.join("\n")}`);
    await sleep(200);
  }
  console.log(`${obsVersion.split("\n")[0]}; ingest rtmp://127.0.0.1:${rtmpPort}/live, ${base}/; files in ${dir}`);

  xvfbRun = spawn(
    "xvfb-run",
    [
      ...["-a", "-s", "-screen 0 1280x1024x24", "obs", "--startstreaming", "--minimize-to-tray", "--multi"],
      ...["--disable-updater", "--disable-missing-files-check", "--profile", OBS_PROFILE, "--collection", OBS_PROFILE],
    ],
    {
      stdio: ["ignore", "ignore", "ignore"],
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: configHome, LIBGL_ALWAYS_SOFTWARE: "1", QT_QPA_PLATFORM: "xcb" },
    },
  );
  const obsStarted = performance.now();
  let status = await statusNow();
  while (status?.state !== "live") {
    if (performance.now() - obsStarted > 60_000 || xvfbRun.exitCode !== null) {
      throw new Error(`OBS did not go live within 60 s (state ${status?.state ?? "unknown"})`);
    }
    await sleep(500);
    status = await statusNow();
  }
  const liveAfterS = (performance.now() - obsStarted) / 1000;
  check(true, `live ${liveAfterS.toFixed(1)} s after OBS started; streaming ${streamS} s`);
  await sleep(streamS * 1000);

  status = await statusNow();
  const v = status?.video;
  const a = status?.audio;
  console.log(`     status.json: ${JSON.stringify({ state: status?.state, video: v, audio: a, warnings: status?.warnings })}`);
  check(status?.state === "live", `state ${status?.state}`);
  check(
    v?.width === settings.width && v.height === settings.height && Math.round(v.fps ?? 0) === settings.fps && /^avc1\./.test(v.codec),
    `video ${v?.codec} ${v?.width}x${v?.height} ${v?.fps} fps, keyframes every ${v?.keyframeIntervalS} s, ${v?.bitrateKbps} kbps, ${v?.droppedFrames} dropped`,
  );
  check(
    a?.codec === "mp4a.40.2" && a.sampleRate === 48000 && a.channels === 2,
    `audio ${a?.codec} ${a?.sampleRate} Hz ${a?.channels} ch, ${a?.bitrateKbps} kbps`,
  );
  check(status?.warnings.length === 0, `warnings: ${status?.warnings.map((w) => w.code).join(", ") || "none"}`);

  const playlist = (await httpRequest(`${base}/index.m3u8`, { timeoutMs: 10_000 })).body.toString();
  const lines = playlist.split("\n");
  const partInf = lines.find((l) => l.startsWith("#EXT-X-PART-INF"));
  const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
  const segments = lines.filter((l, i) => lines[i - 1]?.startsWith("#EXTINF") && l && !l.startsWith("#"));
  const parts = lines.filter((l) => l.startsWith("#EXT-X-PART:")).length;
  check(
    partInf !== undefined &&
      map !== undefined &&
      segments.length >= 2 &&
      parts > 0 &&
      lines.some((l) => l.startsWith("#EXT-X-PRELOAD-HINT")),
    `playlist: ${partInf}, ${segments.length} segments, ${parts} parts, EXT-X-MAP ${map}, preload hint`,
  );
  const durations = lines.filter((l) => l.startsWith("#EXTINF:")).map((l) => Number(l.slice(8).split(",")[0]));
  console.log(`     segment durations: ${durations.map((d) => d.toFixed(3)).join(" ")}`);

  if (map !== undefined && segments.length >= 2) {
    const init = await fetchTo(new URL(map, `${base}/`).href, path.join(dir, "init.mp4"));
    const chosen = segments.slice(-2);
    const media = await Promise.all(chosen.map((s, i) => fetchTo(new URL(s, `${base}/`).href, path.join(dir, `segment-${i}.m4s`))));
    // The init segment with the first segment, then with both: each must decode without an ffmpeg error.
    for (let n = 1; n <= media.length; n++) {
      const file = path.join(dir, `init+${n}-segments.mp4`);
      writeFileSync(file, Buffer.concat([init, ...media.slice(0, n)]));
      const result = decode(file);
      check(result.errors === "", `decode init + ${chosen.slice(0, n).join(" + ")}: ${result.errors || "no ffmpeg error"}`);
      console.log(`     ffprobe: ${result.streams}; frames ${result.frameTypes}`);
    }
  }

  // Stop OBS (quitting is how a performer's stream usually ends without a clean unpublish), then watch the state.
  const pid = obsPid();
  check(pid !== undefined, `OBS pid ${pid}`);
  if (pid !== undefined) process.kill(pid, "SIGTERM");
  const stoppedAt = performance.now();
  const seen: string[] = [];
  while (performance.now() - stoppedAt < (graceS + 15) * 1000) {
    const state = (await statusNow())?.state ?? "unknown";
    if (seen.at(-1)?.split(" ")[0] !== state) seen.push(`${state} (${((performance.now() - stoppedAt) / 1000).toFixed(1)} s)`);
    if (state === "ended") break;
    await sleep(250);
  }
  check(
    seen.some((s) => s.startsWith("reconnecting")) && seen.at(-1)?.startsWith("ended") === true,
    `after OBS stopped: ${seen.join(" → ")}`,
  );
  const ended = (await httpRequest(`${base}/index.m3u8`, { timeoutMs: 10_000 })).body.toString();
  check(ended.includes("#EXT-X-ENDLIST"), "playlist ends with #EXT-X-ENDLIST");
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  const pid = obsPid();
  if (pid !== undefined && processAlive(pid)) process.kill(pid, "SIGKILL");
  if (xvfbRun && xvfbRun.exitCode === null) {
    await Promise.race([new Promise((resolve) => xvfbRun!.once("exit", resolve)), sleep(5_000)]);
    if (xvfbRun.exitCode === null && xvfbRun.signalCode === null) xvfbRun.kill("SIGTERM");
  }
  ingest.kill("SIGTERM");
  await Promise.race([new Promise((resolve) => ingest.once("exit", resolve)), sleep(6_000)]);
  if (ingest.exitCode === null && ingest.signalCode === null) ingest.kill("SIGKILL");
}

// What the ingest logged above info, and OBS's own log lines about the encoder and the connection.
const notable = ingestLog.filter((l) => {
  const level = (JSON.parse(l.startsWith("{") ? l : "{}") as { level?: number }).level;
  return level === undefined || level >= 40;
});
console.log(`ingest log: ${ingestLog.length} lines, ${notable.length} at warn or above${notable.length ? ":" : ""}`);
for (const l of notable.slice(0, 20)) console.log(`     ${l.slice(0, 300)}`);
const obsLogs = path.join(configHome, "obs-studio", "logs");
if (existsSync(obsLogs)) {
  for (const file of readdirSync(obsLogs)) {
    const wanted = /x264 encoder|profile:|keyint:|b-frames|rtmp stream|Output .* stopped|error/i;
    for (const l of readFileSync(path.join(obsLogs, file), "utf8")
      .split("\n")
      .filter((l) => wanted.test(l))) {
      console.log(`obs: ${l.trim()}`);
    }
  }
}
if (failures.length > 0) exitCode = 1;
console.log(exitCode === 0 ? "OBS check passed" : `OBS check FAILED${failures.length ? `: ${failures.join("; ")}` : ""}`);
writeFileSync(path.join(dir, "ingest.log"), `${ingestLog.join("\n")}\n`);
if (!flags["keep-dir"] && exitCode === 0) rmSync(dir, { recursive: true, force: true });
process.exit(exitCode);
