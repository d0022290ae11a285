// bench:latency — glass-to-glass latency: clock-stamped camera frames → RTMP → server → Chromium + player bundle.
import { checkoutBefore } from "./lib/before-checkout.js";
import { runBenchmark } from "./lib/child-processes.js";
import { ChromiumHarness, type JoinResult, type PlayerKind } from "./lib/chromium-harness.js";
import { listOption, parseOptions } from "./lib/cli-options.js";
import { checkClockRoundTrip } from "./lib/clock-check.js";
import { sleep } from "./lib/net-wait.js";
import { ClockPublisher } from "./lib/publisher.js";
import { summarize } from "./lib/stats.js";
import { SYSTEMS, SYSTEM_LABEL, createSystem, type SystemName } from "./lib/systems.js";
import { fmt, printTable, writeResults } from "./lib/table.js";

const opts = parseOptions("npm run bench:latency --", {
  systems: { default: "ours,nginx", help: "systems to measure, in order" },
  joins: { default: 3, help: "viewers joining one after another, per system" },
  watch: { default: 20, help: "seconds each viewer is measured" },
  warmup: { default: 15, help: "seconds the publisher runs before the first join (nginx-rtmp needs ~3 segments for its steady state)" },
  gap: { default: 1.3, help: "seconds between joins (not a multiple of the keyframe interval, so joins hit different GOP phases)" },
  player: { default: "bundle", help: "bundle (assets/live-player.js) or videojs (stock video.js 8 + VHS)" },
  fps: { default: 30, help: "publisher frame rate" },
  gop: { default: 60, help: "publisher keyframe interval in frames" },
  bitrate: { default: 2500, help: "publisher video kbit/s" },
  "part-ms": { default: 0, help: "our ingest's --part-ms (0: its default)" },
  renditions: { default: "", help: "our ingest's --renditions (e.g. 240p: the publisher sends 640x360), for --quality" },
  quality: { default: "", help: "rendition the player pins (e.g. 240p; its quality menu's choice); empty: Auto" },
  bundle: { default: "", help: "player bundle file to load instead of assets/live-player.js (e.g. an older commit's, from git show)" },
  before: { default: "", help: 'git revision measured as system "before" (e.g. HEAD~1 or a commit), in the same run' },
});
const systems = listOption("systems", opts.systems, SYSTEMS);
const beforeCheckout = opts.before ? checkoutBefore(opts.before) : undefined;
const player = listOption("player", opts.player, ["bundle", "videojs"] as const)[0] as PlayerKind;
const STREAM = "bench";

interface SystemResult {
  system: SystemName;
  /** the playlist's timing tags when the first viewer joined */
  playlistTags: string[];
  /** publisher start (ffmpeg spawned) → the first playlist a player can start from, ms */
  firstPlayableMs: number | null;
  joins: JoinResult[];
  publisher: { framesWritten: number; lateFrames: number };
}

async function measureSystem(name: SystemName, harness: ChromiumHarness): Promise<SystemResult> {
  const flags = opts.renditions && (name === "ours" || name === "varnish") ? ["--renditions", opts.renditions] : [];
  const server = createSystem(name, { streams: [STREAM], partMs: opts["part-ms"] || undefined, beforeCheckout, flags });
  await server.start();
  const publisher = new ClockPublisher({ url: server.publishUrl(STREAM), fps: opts.fps, gop: opts.gop, bitrateKbps: opts.bitrate });
  try {
    const startedAt = performance.now();
    const ffmpeg = publisher.start();
    const firstPlayable = firstPlayablePlaylist(`${server.baseUrl}/${STREAM}/index.m3u8`, startedAt, 30_000);
    await Promise.race([
      server.waitForPlaylist(STREAM, 1, 30_000),
      ffmpeg.exited.then((code) => {
        throw new Error(`publisher exited (${code}): ${ffmpeg.tail()}`);
      }),
    ]);
    const firstPlayableMs = await firstPlayable;
    console.log(`  publisher start → first playable playlist: ${fmt(firstPlayableMs)} ms`);
    await sleep(Math.max(0, opts.warmup * 1000 - (performance.now() - startedAt)));
    const playlist = await (await fetch(`${server.baseUrl}/${STREAM}/index.m3u8`)).text();
    const playlistTags = playlist.split("\n").filter((l) => /^#EXT-X-(TARGETDURATION|PART-INF|SERVER-CONTROL)/.test(l));
    console.log(`  playlist: ${playlistTags.join(" ")}`);
    const joins: JoinResult[] = [];
    for (let j = 0; j < opts.joins; j++) {
      if (j > 0) await sleep(opts.gap * 1000);
      const r = await harness.measureJoin(server.baseUrl, STREAM, opts.watch * 1000, opts.quality || undefined);
      const s = summarize(r.latenciesMs);
      console.log(
        `  ${name} join ${j + 1}/${opts.joins}: first frame ${fmt(r.timeToFirstFrameMs)} ms, ` +
          `median ${fmt(s.p50)} ms over ${s.n} frames (buffered ahead ${fmt(summarize(r.bufferAheadMs).p50)} ms), ` +
          `stalls ${r.stalls}, bad ${r.badFrames}, http errors ${r.httpErrors.length}, picture height ${r.videoHeight}` +
          (Math.abs(r.clockOffsetMs) > 2 ? `, WARNING: page clock off Date.now() by ${fmt(r.clockOffsetMs, 1)} ms` : ""),
      );
      joins.push(r);
    }
    return {
      system: name,
      playlistTags,
      firstPlayableMs,
      joins,
      publisher: { framesWritten: publisher.framesWritten, lateFrames: publisher.lateFrames },
    };
  } finally {
    await publisher.stop();
    await server.close();
  }
}

/**
 * Polls the playlist every 20 ms until it lists something a player can start from (an independent part, or
 * a segment for plain HLS); resolves with the ms since `startedAt`, or null after `timeoutMs`.
 */
async function firstPlayablePlaylist(url: string, startedAt: number, timeoutMs: number): Promise<number | null> {
  while (performance.now() - startedAt < timeoutMs) {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    const body = res?.ok ? await res.text() : "";
    if (/#EXT-X-PART:.*INDEPENDENT=YES/.test(body) || body.includes("#EXTINF")) return performance.now() - startedAt;
    await sleep(20);
  }
  return null;
}

function summaryRow(r: SystemResult) {
  const all = r.joins.flatMap((j) => j.latenciesMs);
  const s = summarize(all);
  const sum = (f: (j: JoinResult) => number | null) => r.joins.reduce((a, j) => a + (f(j) ?? 0), 0);
  const ttff = summarize(r.joins.map((j) => j.timeToFirstFrameMs ?? NaN).filter(Number.isFinite));
  return {
    system: r.system,
    firstPlayableMs: r.firstPlayableMs,
    frames: s.n,
    p10Ms: s.p10,
    medianMs: s.p50,
    p90Ms: s.p90,
    bufferAheadMedianMs: summarize(r.joins.flatMap((j) => j.bufferAheadMs)).p50,
    joinMediansMs: r.joins.map((j) => summarize(j.latenciesMs).p50),
    timeToFirstFrameMedianMs: ttff.p50,
    noFirstFrame: r.joins.filter((j) => j.timeToFirstFrameMs === null).length,
    stalls: sum((j) => j.stalls),
    stallMs: sum((j) => j.stallMs),
    framesDecoded: sum((j) => j.framesDecoded),
    framesDropped: sum((j) => j.framesDropped),
    badBarcodes: sum((j) => j.badFrames),
    httpErrors: sum((j) => j.httpErrors.length),
  };
}

async function main() {
  const check = await checkClockRoundTrip();
  if (check.exact !== check.frames) throw new Error(`clock barcode self-check failed: ${JSON.stringify(check)}`);
  const harness = new ChromiumHarness(player, opts.bundle || undefined);
  await harness.start();
  const results: SystemResult[] = [];
  try {
    for (const name of systems) {
      console.log(`${SYSTEM_LABEL[name]}: ${opts.joins} joins × ${opts.watch} s, player ${player}`);
      results.push(await measureSystem(name, harness));
    }
  } finally {
    await harness.close();
  }
  const rows = results.map(summaryRow);
  printTable(
    `glass-to-glass latency (ms), ${opts.fps} fps, keyframe every ${opts.gop} frames, player ${player}`,
    [
      "system",
      "1st playlist",
      "frames",
      "p10",
      "median",
      "p90",
      "join medians",
      "buffered",
      "1st frame",
      "stalls",
      "decoded",
      "dropped",
      "bad code",
      "http err",
    ],
    rows.map((r) => [
      SYSTEM_LABEL[r.system],
      r.firstPlayableMs,
      r.frames,
      r.p10Ms,
      r.medianMs,
      r.p90Ms,
      r.joinMediansMs.map((m) => fmt(m)).join("/"),
      r.bufferAheadMedianMs,
      r.timeToFirstFrameMedianMs,
      r.stalls,
      r.framesDecoded,
      r.framesDropped,
      r.badBarcodes,
      r.httpErrors,
    ]),
  );
  const ours = rows.find((r) => r.system === "ours");
  const nginx = rows.find((r) => r.system === "nginx");
  if (ours && nginx) console.log(`\nmedian ratio nginx-rtmp / ours: ${fmt(nginx.medianMs / ours.medianMs, 1)}×`);
  if (ours) console.log(`goal ours median ≤ 1000 ms: ${ours.medianMs <= 1000 ? "met" : "NOT met"} (${fmt(ours.medianMs)} ms)`);
  const file = writeResults("latency", { options: opts, player, summary: rows, raw: results, clockCheck: check });
  console.log(`results: ${file}`);
}

runBenchmark(main);
