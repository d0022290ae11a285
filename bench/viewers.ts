// bench:viewers — fan-out: simulated LL-HLS viewers (VHS-like) on our ingest, plain-HLS viewers on nginx-rtmp.
import { checkoutBefore } from "./lib/before-checkout.js";
import { runBenchmark } from "./lib/child-processes.js";
import { listOption, parseOptions } from "./lib/cli-options.js";
import { sleep } from "./lib/net-wait.js";
import { TreeSampler, type UsageWindow } from "./lib/proc-stats.js";
import { MetricsWindow, type ServerMetrics } from "./lib/server-metrics.js";
import { prepareFlv, replayFlv } from "./lib/publisher.js";
import { SYSTEMS, SYSTEM_LABEL, createSystem, type SystemName } from "./lib/systems.js";
import { fmt, mb, printTable, writeResults } from "./lib/table.js";
import { runViewers, type ViewersResult } from "./lib/viewers-sim.js";

const opts = parseOptions("npm run bench:viewers --", {
  systems: { default: "ours,nginx", help: "systems to load (ours: LL-HLS viewers, nginx: plain HLS viewers)" },
  viewers: { default: "100,500,2000", help: "concurrent viewer counts, each a separate step" },
  ramp: { default: 0, help: "seconds over which each step's viewers join (0: max(5, viewers/200), so new connections stay under ~400/s)" },
  duration: { default: 20, help: "seconds measured per step, after the ramp" },
  settle: { default: 6, help: "seconds after the playlist exists before the first step" },
  workers: { default: 2, help: "load-generator worker threads" },
  // 480p at 1 Mbit/s: at 2000 viewers 720p/2.5 Mbit/s is 5 Gbit/s of loopback, where the load generator's
  // own receiving would dominate a 2-core machine; pass --size/--bitrate to measure that anyway.
  size: { default: "854x480", help: "source video size" },
  bitrate: { default: 1000, help: "source video kbit/s" },
  "part-ms": { default: 0, help: "our ingest's --part-ms (0: its default)" },
  before: { default: "", help: 'git revision measured as system "before" (e.g. HEAD~1 or a commit), in the same run' },
  access: {
    default: "public",
    help: "public | members: a members-only show, every viewer sending a member's session cookie (ours, varnish)",
  },
  "ingest-node-args": { default: "", help: 'node options for our ingest, space-separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")' },
});
const systems = listOption("systems", opts.systems, SYSTEMS);
const beforeCheckout = opts.before ? checkoutBefore(opts.before) : undefined;
const counts = opts.viewers.split(",").map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) throw new Error("--viewers: integers from 1 to 5000");
const STREAM = "bench";

interface Step {
  system: SystemName;
  result: ViewersResult;
  server: UsageWindow;
  /** ours only: from its /metrics over the window */
  metrics?: ServerMetrics;
  loadGen: { cpuPct: number; rssBytes: number };
}

/** What is measured over one step's window: server process tree, its /metrics (ours), this process's CPU. */
class WindowProbe {
  private readonly sampler: TreeSampler;
  private readonly metrics: MetricsWindow | undefined;
  private cpuStart = process.cpuUsage();
  private startedAt = 0;
  /** resolves false once a scrape failed: the window's metrics are then left out */
  private scrapes: Promise<boolean> = Promise.resolve(false);
  private midTimer: NodeJS.Timeout | undefined;
  private done: Promise<{ usage: UsageWindow; loadGen: Step["loadGen"]; serverMetrics: ServerMetrics | undefined }> | undefined;

  constructor(pids: number[], metricsUrl: string | undefined) {
    this.sampler = new TreeSampler(pids);
    this.metrics = metricsUrl ? new MetricsWindow(metricsUrl) : undefined;
  }

  readonly start = () => {
    this.sampler.start();
    this.cpuStart = process.cpuUsage();
    this.startedAt = performance.now();
    const m = this.metrics;
    if (!m) return;
    this.scrapes = m.start().then(
      () => true,
      () => false,
    );
    this.midTimer = setTimeout(
      () => {
        this.scrapes = this.scrapes.then(
          (ok) =>
            ok &&
            m.sampleGauges().then(
              () => true,
              () => false,
            ),
        );
      },
      (opts.duration * 1000) / 2,
    );
  };

  readonly end = () => {
    const usage = this.sampler.stop();
    const used = process.cpuUsage(this.cpuStart);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const loadGen = { cpuPct: ((used.user + used.system) / 1e6 / seconds) * 100, rssBytes: process.memoryUsage().rss };
    const m = this.metrics;
    // An overloaded ingest may not answer /metrics in time: the step is still reported, without them.
    clearTimeout(this.midTimer);
    const serverMetrics = m ? this.scrapes.then((ok) => (ok ? m.end() : undefined)).catch(() => undefined) : Promise.resolve(undefined);
    this.done = serverMetrics.then((sm) => ({ usage, loadGen, serverMetrics: sm }));
  };

  result() {
    if (!this.done) throw new Error("window never ended");
    return this.done;
  }
}

async function loadSystem(system: SystemName, flv: string): Promise<Step[]> {
  const nodeArgs = opts["ingest-node-args"].split(" ").filter(Boolean);
  if (!["public", "members"].includes(opts.access)) throw new Error("--access: public or members");
  const server = createSystem(system, {
    streams: [STREAM],
    partMs: opts["part-ms"] || undefined,
    nodeArgs,
    membersOnly: opts.access === "members",
    beforeCheckout,
  });
  await server.start();
  const publisher = replayFlv("publisher", flv, server.publishUrl(STREAM));
  const steps: Step[] = [];
  try {
    await server.waitForPlaylist(STREAM, system === "nginx" ? 1 : 2, 40_000);
    await sleep(opts.settle * 1000);
    for (const viewers of counts) {
      const probe = new WindowProbe(server.pids, server.metricsUrl);
      const result = await runViewers({
        mode: system === "nginx" ? "hls" : "llhls",
        playlistUrl: `${server.baseUrl}/${STREAM}/index.m3u8`,
        ...(server.sessionCookie ? { cookie: server.sessionCookie } : {}),
        viewers,
        workers: opts.workers,
        rampMs: (opts.ramp || Math.max(5, viewers / 200)) * 1000,
        measureMs: opts.duration * 1000,
        window: probe,
      });
      const { usage, loadGen, serverMetrics } = await probe.result();
      if (publisher.proc.exitCode !== null || publisher.proc.signalCode !== null) throw new Error(`publisher exited: ${publisher.tail()}`);
      const r = result;
      console.log(
        `  ${system} ${viewers} viewers: announce→delivered p50 ${fmt(r.fetchMs.p50)} p99 ${fmt(r.fetchMs.p99)} ms, ` +
          `server CPU ${fmt(usage.cpuPct)} %, load generator CPU ${fmt(loadGen.cpuPct)} % (loop delay p99 ${fmt(r.loadGenLoopDelayP99Ms)} ms), errors ${r.httpErrors + r.networkErrors + r.timeouts}` +
          (serverMetrics
            ? `; ingest event-loop lag p99 ${fmt(serverMetrics.eventLoopLagP99Ms)} ms, max ${fmt(serverMetrics.eventLoopLagMaxMs)} ms, ` +
              `${serverMetrics.httpConnections} connections and ${serverMetrics.heldRequests} held requests mid-window, responses ${JSON.stringify(serverMetrics.responsesByStatus)}, ` +
              `ffmpeg restarts ${serverMetrics.ffmpegRestarts}, dropped media tags ${serverMetrics.droppedMediaTags}`
            : ""),
      );
      if (r.errorSamples.length) console.log(`    first errors: ${r.errorSamples.join("; ")}`);
      steps.push({ system, result, server: usage, metrics: serverMetrics, loadGen });
      await sleep(2000); // let the previous step's connections close
    }
    return steps;
  } finally {
    await publisher.stop(3000);
    await server.close();
  }
}

async function main() {
  const [width, height] = opts.size.split("x").map(Number) as [number, number];
  const flv = await prepareFlv({ width, height, fps: 30, bitrateKbps: opts.bitrate, seconds: 30 });
  const steps: Step[] = [];
  for (const system of systems) {
    console.log(
      `${SYSTEM_LABEL[system]}${opts.access === "members" ? ", members-only show" : ""}: viewers ${counts.join(", ")}, ${opts.duration} s each`,
    );
    steps.push(...(await loadSystem(system, flv)));
  }
  printTable(
    `fan-out, source ${opts.size} ${opts.bitrate} kbit/s; delays in ms (announce: playlist listing it arrived at that viewer; avail: first viewer to see it; pdt: media end by PROGRAM-DATE-TIME)`,
    [
      "system",
      "viewers",
      "announce p50",
      "p99",
      "avail p50",
      "p99",
      "pdt p50",
      "p99",
      "deliv/viewer/s",
      "req/s",
      "Mbit/s",
      "server CPU %",
      "server RSS MB",
      "loop lag p99",
      "loadgen CPU %",
      "loadgen lag p99",
      "errors",
    ],
    steps.map(({ system, result: r, server, metrics, loadGen }) => [
      SYSTEM_LABEL[system],
      r.viewers,
      r.fetchMs.p50,
      r.fetchMs.p99,
      r.availableMs.p50,
      r.availableMs.p99,
      r.pdtMs.p50,
      r.pdtMs.p99,
      fmt(r.deliveriesPerViewerPerS, 2),
      r.requestsPerS,
      r.mbitPerS,
      server.cpuPct,
      fmt(mb(server.rssMaxBytes), 1),
      metrics?.eventLoopLagP99Ms,
      loadGen.cpuPct,
      r.loadGenLoopDelayP99Ms,
      r.httpErrors + r.networkErrors + r.timeouts,
    ]),
  );
  for (const system of systems.filter((s) => s !== "nginx")) {
    const top = steps.filter((s) => s.system === system).sort((a, b) => b.result.viewers - a.result.viewers)[0];
    if (top)
      console.log(
        `goal 2000 viewers, p99 < 150 ms: ${SYSTEM_LABEL[system]} at ${top.result.viewers}: announce p99 ${fmt(top.result.fetchMs.p99)} ms, avail p99 ${fmt(top.result.availableMs.p99)} ms`,
      );
  }
  console.log(`results: ${writeResults("viewers", { options: opts, steps })}`);
}

runBenchmark(main);
