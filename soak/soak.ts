// `npm run soak -- [--duration 1h]`: one ingest process under a realistic load for a long time, measured from
// outside. A real ffmpeg publishes (and reconnects now and then), a handful of LL-HLS viewers do blocking reloads
// and fetch every part, poll status and send heartbeats, and short-lived viewers come and go. Every sample takes
// the ingest's RSS, open files and children from /proc and its heap and active handles from /metrics. The run
// fails (exit 1) if, after the warm-up, memory keeps growing (robust trend > --max-growth %), open files,
// handles or ffmpeg children rise, a viewer sees a problem, the show is not recorded as one growing recording
// (ended by the SIGTERM, no segment lost to a recording error), or the ingest does not stop cleanly on SIGTERM.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { KeyStore } from "../ingest/src/keys/index.js";
import { RecordingStore } from "../ingest/src/recording/recording-store.js";
import { ffmpegPublishArgs } from "../tests/support/ffmpeg-publish-args.js";
import { httpRequest } from "./http-client.js";
import { LlHlsViewer } from "./llhls-viewer.js";
import { childProcesses, cpuSeconds, openFiles, processAlive, rssBytes } from "./proc.js";
import { countRose, growth, parseDuration, type Point } from "./trend.js";
import { shippedUnitEnvironment } from "./unit-environment.js";

const root = path.resolve(import.meta.dirname, "..");
const STREAM = "soak";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "1h" },
    "sample-every": { type: "string", default: "10s" },
    warmup: { type: "string" },
    viewers: { type: "string", default: "5" },
    "reconnect-every": { type: "string", default: "2m" },
    "churn-every": { type: "string", default: "30s" },
    "max-growth": { type: "string", default: "5" },
    out: { type: "string" },
  },
  strict: true,
});

const durationS = parseDuration(flags.duration!);
const sampleEveryS = Math.max(1, parseDuration(flags["sample-every"]!));
const warmupS = flags.warmup ? parseDuration(flags.warmup) : Math.min(600, Math.max(60, Math.round(durationS * 0.2)));
const viewerCount = Number(flags.viewers);
const reconnectEveryS = flags["reconnect-every"] === "0" ? 0 : parseDuration(flags["reconnect-every"]!);
const churnEveryS = flags["churn-every"] === "0" ? 0 : parseDuration(flags["churn-every"]!);
const maxGrowth = Number(flags["max-growth"]);
if (durationS <= warmupS + sampleEveryS * 6) throw new Error(`--duration must exceed the warm-up (${warmupS} s) by at least 6 samples`);

interface Sample {
  t: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** V8 heap reserved, and memory outside it that JS objects hold (Buffers): where RSS goes besides the used heap. */
  heapTotalBytes: number;
  externalBytes: number;
  activeHandles: number;
  openFiles: number;
  ffmpegChildren: number;
  otherChildren: number;
  cpuSeconds: number;
  httpConnections: number;
  viewerParts: number;
  /** The show's recording: bytes on disk, and segments it could not record (any reason). */
  recordingBytes: number;
  recordingErrors: number;
}

const RECORDING_ERROR_REASONS = ["low-space", "no-space", "permission", "backlog", "other"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const metricValue = (text: string, series: string): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
};
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), "soak-"));
const keysFile = path.join(dir, "keys.json");
const { key } = await new KeyStore({ file: keysFile }).add(STREAM);
const [rtmpPort, httpPort] = [await freePort(), await freePort()];
const base = `http://127.0.0.1:${httpPort}`;

// The ingest as the systemd unit runs it: compiled (as `npm ci` builds it), alone in its process, with the unit's
// environment (warn level: a quiet log is part of a healthy run).
execFileSync(process.execPath, ["ingest/scripts/build-dist.mjs"], { cwd: root, stdio: "inherit", timeout: 60_000 });
const unitEnv = shippedUnitEnvironment();
const ingest = spawn(
  process.execPath,
  [
    "ingest/dist/main.js",
    "--host",
    "127.0.0.1",
    "--rtmp-port",
    String(rtmpPort),
    "--http-port",
    String(httpPort),
    "--data-dir",
    dir,
    "--keys",
    keysFile,
    "--log-level",
    "warn",
  ],
  { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...unitEnv } },
);
const ingestLog: string[] = [];
let ingestLogLines = 0;
const keepLog = (d: Buffer) => {
  for (const line of d.toString().split("\n").filter(Boolean)) {
    ingestLogLines++;
    ingestLog.push(line.slice(0, 400));
    if (ingestLog.length > 30) ingestLog.shift();
  }
};
ingest.stdout.on("data", keepLog);
ingest.stderr.on("data", keepLog);
const ingestExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
  ingest.once("exit", (code, signal) => resolve({ code, signal })),
);

let publisher: ChildProcess | null = null;
let publishes = 0;
let stopping = false;
function startPublisher(): void {
  publishes++;
  const child = spawn(
    "ffmpeg",
    ffmpegPublishArgs(`rtmp://127.0.0.1:${rtmpPort}/live/${key}`, { video: ["-b:v", "800k", "-threads", "1"], audio: ["-b:a", "96k"] }),
    { stdio: "ignore" },
  );
  publisher = child;
  child.once("exit", () => {
    if (publisher === child) publisher = null;
    // An ffmpeg that dies on its own is restarted, like OBS's auto-reconnect.
    if (!stopping && publisher === null) setTimeout(() => !stopping && publisher === null && startPublisher(), 1_000);
  });
}

const viewers: LlHlsViewer[] = [];
const churned = { joined: 0, problems: [] as string[], parts: 0 };
const timers: NodeJS.Timeout[] = [];
const samples: Sample[] = [];
const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;

async function teardown(): Promise<void> {
  stopping = true;
  for (const t of timers) clearInterval(t);
  await Promise.all(viewers.map((v) => v.stop()));
  publisher?.kill("SIGKILL");
}

try {
  for (let i = 0; (await httpRequest(`${base}/healthz`, { timeoutMs: 1_000 }).catch(() => null))?.status !== 200; i++) {
    if (i > 100 || ingest.exitCode !== null) throw new Error(`the ingest did not start:\n${ingestLog.join("\n")}`);
    await sleep(200);
  }
  startPublisher();
  for (
    let i = 0;
    !(await httpRequest(`${base}/live/${STREAM}/index.m3u8`, { timeoutMs: 10_000 })).body.toString().includes("#EXTINF");
    i++
  ) {
    if (i > 60) throw new Error("no segment after 60 s of publishing");
    await sleep(1_000);
  }
  for (let i = 0; i < viewerCount; i++) {
    const viewer = new LlHlsViewer({ streamUrl: `${base}/live/${STREAM}/`, statusEveryMs: 2_000, heartbeatEveryMs: 10_000 });
    viewer.start();
    viewers.push(viewer);
  }
  if (reconnectEveryS > 0) timers.push(setInterval(() => publisher?.kill("SIGKILL"), reconnectEveryS * 1000));
  if (churnEveryS > 0) {
    timers.push(
      setInterval(() => {
        const visitor = new LlHlsViewer({ streamUrl: `${base}/live/${STREAM}/`, statusEveryMs: 2_000, heartbeatEveryMs: 10_000 });
        churned.joined++;
        visitor.start();
        setTimeout(
          () =>
            void visitor.stop().then((s) => {
              churned.problems.push(...s.problems);
              churned.parts += s.parts;
            }),
          churnEveryS * 660,
        );
      }, churnEveryS * 1000),
    );
  }

  console.log(
    `soak: ${flags.duration} (${durationS} s), warm-up ${warmupS} s, a sample every ${sampleEveryS} s, ${viewerCount} viewers, ingest pid ${ingest.pid}, unit environment ${JSON.stringify(unitEnv)}`,
  );
  console.log("     t  rss MiB  heap MiB  ext MiB  handles  fds  ffmpeg  conns  parts  progress");
  while (elapsedS() < durationS) {
    if (ingest.exitCode !== null) throw new Error(`the ingest exited during the soak:\n${ingestLog.join("\n")}`);
    const metrics = (await httpRequest(`${base}/metrics`, { timeoutMs: 10_000 })).body.toString();
    const children = childProcesses(ingest.pid!);
    const sample: Sample = {
      t: Math.round(elapsedS()),
      rssBytes: rssBytes(ingest.pid!),
      heapUsedBytes: metricValue(metrics, "nodejs_heap_size_used_bytes"),
      heapTotalBytes: metricValue(metrics, "nodejs_heap_size_total_bytes"),
      externalBytes: metricValue(metrics, "nodejs_external_memory_bytes"),
      activeHandles: metricValue(metrics, "nodejs_active_handles_total"),
      openFiles: openFiles(ingest.pid!),
      ffmpegChildren: children.filter((c) => c.comm === "ffmpeg").length,
      otherChildren: children.filter((c) => c.comm !== "ffmpeg").length,
      cpuSeconds: cpuSeconds(ingest.pid!),
      httpConnections: metricValue(metrics, "live_http_connections"),
      viewerParts: viewers.reduce((n, v) => n + v.stats.parts, 0),
      recordingBytes: metricValue(metrics, "live_recordings_bytes"),
      recordingErrors: RECORDING_ERROR_REASONS.reduce(
        (n, reason) => n + metricValue(metrics, `live_recording_errors_total{reason="${reason}"}`),
        0,
      ),
    };
    samples.push(sample);
    console.log(
      `${String(sample.t).padStart(6)}  ${String(mib(sample.rssBytes)).padStart(7)}  ${String(mib(sample.heapUsedBytes)).padStart(8)}  ${String(mib(sample.externalBytes)).padStart(7)}  ` +
        `${String(sample.activeHandles).padStart(7)}  ${String(sample.openFiles).padStart(3)}  ${String(sample.ffmpegChildren).padStart(6)}  ` +
        `${String(sample.httpConnections).padStart(5)}  ${String(sample.viewerParts).padStart(5)}  ` +
        `${Math.floor((100 * sample.t) / durationS)} %, ${Math.max(0, durationS - sample.t)} s left`,
    );
    await sleep(Math.max(0, sampleEveryS * 1000 - ((performance.now() - started) % (sampleEveryS * 1000))));
  }
} catch (err) {
  await teardown();
  ingest.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  throw err;
}

await teardown();
const viewerStats = viewers.map((v) => v.stats);
const ffmpegPids = childProcesses(ingest.pid!)
  .filter((c) => c.comm === "ffmpeg")
  .map((c) => c.pid);
const stopAt = performance.now();
ingest.kill("SIGTERM");
const exit = await Promise.race([ingestExit, sleep(10_000).then(() => null)]);
const stopMs = Math.round(performance.now() - stopAt);
if (exit === null) ingest.kill("SIGKILL");
await sleep(500);
const ffmpegLeft = ffmpegPids.filter(processAlive).length;
// The whole soak is one show (every reconnect is within the grace period): one recording, ended by the SIGTERM.
const recorded = await new RecordingStore(path.join(dir, "recordings")).list(STREAM);
rmSync(dir, { recursive: true, force: true });

// Analysis on the samples after the warm-up.
const steady = samples.filter((s) => s.t >= warmupS);
const envelope = Math.max(3, Math.round(60 / sampleEveryS));
const points = (f: (s: Sample) => number): Point[] => steady.map((s) => ({ t: s.t, v: f(s) }));
const rss = growth(
  points((s) => s.rssBytes),
  envelope,
);
const heap = growth(
  points((s) => s.heapUsedBytes),
  envelope,
);
const fds = countRose(
  steady.map((s) => s.openFiles),
  4,
);
const handles = countRose(
  steady.map((s) => s.activeHandles),
  4,
);
const ffmpeg = countRose(
  steady.map((s) => s.ffmpegChildren),
  0,
);
const problems = [...viewerStats.flatMap((s) => s.problems), ...churned.problems];
const failures: string[] = [];
if (rss.percent > maxGrowth) failures.push(`RSS trend grew ${rss.percent.toFixed(1)} % after the warm-up (limit ${maxGrowth} %)`);
if (heap.percent > maxGrowth && heap.end - heap.start > 2 * 2 ** 20)
  failures.push(`heap trend grew ${heap.percent.toFixed(1)} % (${mib(heap.end - heap.start)} MiB)`);
if (fds.rose) failures.push(`open files rose from ${fds.first} to ${fds.last}`);
if (handles.rose) failures.push(`active handles rose from ${handles.first} to ${handles.last}`);
if (ffmpeg.rose || Math.max(...steady.map((s) => s.ffmpegChildren)) > 2)
  failures.push(`ffmpeg children rose (${ffmpeg.first} -> ${ffmpeg.last}, max ${Math.max(...steady.map((s) => s.ffmpegChildren))})`);
if (problems.length > 0) failures.push(`viewers saw ${problems.length} problem(s), first: ${problems[0]}`);
if (exit?.code !== 0) failures.push(`SIGTERM: the ingest ${exit ? `exited ${exit.code ?? exit.signal}` : "did not exit within 10 s"}`);
if (ffmpegLeft > 0) failures.push(`${ffmpegLeft} ffmpeg process(es) outlived the ingest`);
const recordedS = recorded.reduce((n, r) => n + r.durationS, 0);
const recordingGrew = steady.length > 1 && steady.at(-1)!.recordingBytes > steady[0]!.recordingBytes;
const recordingErrors = samples.at(-1)!.recordingErrors;
if (recorded.length !== 1) failures.push(`expected the show as one recording, found ${recorded.length}`);
if (recorded.some((r) => r.endedAt === null)) failures.push("a recording was still marked in progress after SIGTERM");
if (recordedS < elapsedS() * 0.8) failures.push(`recorded ${Math.round(recordedS)} s of a ${Math.round(elapsedS())} s show`);
if (!recordingGrew) failures.push("the recording stopped growing after the warm-up");
if (recordingErrors > 0) failures.push(`${recordingErrors} segment(s) not recorded`);

const summary = {
  durationS: Math.round(elapsedS()),
  warmupS,
  unitEnvironment: unitEnv,
  samples: samples.length,
  steadySamples: steady.length,
  rssMiB: {
    first: mib(samples[0]!.rssBytes),
    afterWarmup: mib(steady[0]!.rssBytes),
    last: mib(samples.at(-1)!.rssBytes),
    max: mib(Math.max(...samples.map((s) => s.rssBytes))),
    trendPercent: Number(rss.percent.toFixed(2)),
    trendMiBPerHour: mib(rss.perHour),
  },
  heapMiB: {
    afterWarmup: mib(steady[0]!.heapUsedBytes),
    last: mib(samples.at(-1)!.heapUsedBytes),
    trendPercent: Number(heap.percent.toFixed(2)),
    trendMiBPerHour: mib(heap.perHour),
  },
  heapTotalMiB: {
    afterWarmup: mib(steady[0]!.heapTotalBytes),
    last: mib(samples.at(-1)!.heapTotalBytes),
    trendMiBPerHour: mib(
      growth(
        points((s) => s.heapTotalBytes),
        envelope,
      ).perHour,
    ),
  },
  externalMiB: {
    afterWarmup: mib(steady[0]!.externalBytes),
    last: mib(samples.at(-1)!.externalBytes),
    trendMiBPerHour: mib(
      growth(
        points((s) => s.externalBytes),
        envelope,
      ).perHour,
    ),
  },
  openFiles: { ...fds, min: Math.min(...steady.map((s) => s.openFiles)), max: Math.max(...steady.map((s) => s.openFiles)) },
  activeHandles: { ...handles, min: Math.min(...steady.map((s) => s.activeHandles)), max: Math.max(...steady.map((s) => s.activeHandles)) },
  ffmpegChildren: {
    ...ffmpeg,
    max: Math.max(...steady.map((s) => s.ffmpegChildren)),
    otherChildrenMax: Math.max(...samples.map((s) => s.otherChildren)),
  },
  cpuSeconds: samples.at(-1)!.cpuSeconds,
  publishes,
  viewers: {
    steady: viewerCount,
    churned: churned.joined,
    parts: viewerStats.reduce((n, s) => n + s.parts, 0) + churned.parts,
    playlists: viewerStats.reduce((n, s) => n + s.playlists, 0),
    retries503: viewerStats.reduce((n, s) => n + s.unavailable, 0),
    discontinuities: viewerStats.reduce((n, s) => n + s.discontinuities, 0),
    problems: problems.length,
  },
  ingestLogLines,
  recording: {
    recordings: recorded.length,
    durationS: Math.round(recordedS),
    MiB: mib(recorded.reduce((n, r) => n + r.bytes, 0)),
    ended: recorded.map((r) => r.endReason ?? null),
    errors: recordingErrors,
  },
  shutdown: { exit, stopMs, ffmpegLeft },
  failures,
};
const out = flags.out ?? path.join(root, "soak/results", `soak-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ flags, summary, samples, lastLogLines: ingestLog }, null, 2));
console.log(JSON.stringify(summary, null, 2));
console.log(failures.length === 0 ? `soak passed (${out})` : `soak FAILED:\n- ${failures.join("\n- ")}\n(${out})`);
process.exit(failures.length === 0 ? 0 : 1);
