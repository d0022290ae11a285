// bench:ingest — CPU and memory per publisher: pre-encoded FLV replayed with -c copy into ours and nginx-rtmp.
// With --renditions 720p,480p,360p: one publisher into ours, once without renditions and once per rendition
// alone; each rendition's cost is its run minus the run without (its ffmpeg transcoder plus the muxing in node).
import { checkoutBefore } from "./lib/before-checkout.js";
import { runBenchmark, type TrackedChild } from "./lib/child-processes.js";
import { listOption, parseOptions } from "./lib/cli-options.js";
import { sleep } from "./lib/net-wait.js";
import { TreeSampler, type UsageWindow } from "./lib/proc-stats.js";
import { prepareFlv, replayFlv } from "./lib/publisher.js";
import { SYSTEMS, SYSTEM_LABEL, createSystem, type SystemName } from "./lib/systems.js";
import { fmt, mb, printTable, writeResults } from "./lib/table.js";

const opts = parseOptions("npm run bench:ingest --", {
  systems: { default: "ours,nginx", help: "systems to measure" },
  publishers: { default: "1,10", help: "concurrent publisher counts" },
  settle: { default: 8, help: "seconds after every playlist exists before measuring" },
  duration: { default: 20, help: "seconds measured per run" },
  size: { default: "1280x720", help: "source video size" },
  fps: { default: 30, help: "source frame rate" },
  bitrate: { default: 2500, help: "source video kbit/s" },
  "part-ms": { default: 0, help: "our ingest's --part-ms (0: its default)" },
  before: { default: "", help: 'git revision measured as system "before" (e.g. HEAD~1 or a commit), in the same run' },
  renditions: { default: "", help: "renditions to measure one at a time against none, e.g. 720p,480p,360p (ours, one publisher)" },
});
const systems = listOption("systems", opts.systems, SYSTEMS);
const beforeCheckout = opts.before ? checkoutBefore(opts.before) : undefined;
const counts = opts.publishers.split(",").map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 20)) throw new Error("--publishers: integers from 1 to 20");

interface Run {
  system: SystemName;
  publishers: number;
  usage: UsageWindow;
  publisherExits: number;
}

async function measure(system: SystemName, n: number, flv: string, renditions?: string): Promise<Run> {
  const streams = Array.from({ length: n }, (_, i) => `bench${i + 1}`);
  const flags = renditions ? ["--renditions", renditions, "--max-transcodes", "16"] : [];
  const server = createSystem(system, { streams, partMs: opts["part-ms"] || undefined, beforeCheckout, flags });
  await server.start();
  const publishers: TrackedChild[] = [];
  try {
    for (const s of streams) publishers.push(replayFlv(`publisher-${s}`, flv, server.publishUrl(s)));
    await Promise.all(streams.map((s) => server.waitForPlaylist(s, 1, 40_000)));
    if (renditions && renditions !== "none") await Promise.all(streams.map((s) => renditionsRunning(server.baseUrl, s)));
    await sleep(opts.settle * 1000);
    const sampler = new TreeSampler(server.pids);
    sampler.start();
    await sleep(opts.duration * 1000);
    const usage = sampler.stop();
    // A publisher that died during the window (e.g. refused by the server) makes the run invalid.
    const exits = publishers.filter((p) => p.proc.exitCode !== null || p.proc.signalCode !== null).length;
    return { system, publishers: n, usage, publisherExits: exits };
  } finally {
    await Promise.all(publishers.map((p) => p.stop(3000)));
    await server.close();
  }
}

/** Every transcoded rendition of `stream` is running (status.json). */
async function renditionsRunning(baseUrl: string, stream: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const status = (await (await fetch(`${baseUrl}/${stream}/status.json`)).json()) as { renditions: Array<{ state: string }> };
    const states = status.renditions.map((r) => r.state).filter((s) => s !== "source");
    if (states.length > 0 && states.every((s) => s === "running")) return;
    if (Date.now() > deadline) throw new Error(`renditions of ${stream} not running: ${states.join(", ")}`);
    await sleep(500);
  }
}

/** --renditions: the cost of each rendition on this machine, one publisher. */
async function measureRenditions(flv: string, list: string[]): Promise<void> {
  const runs: Array<{ renditions: string; run: Run }> = [];
  for (const renditions of ["none", ...list]) {
    console.log(`ours, 1 publisher, renditions ${renditions}: measuring ${opts.duration} s…`);
    const run = await measure("ours", 1, flv, renditions);
    console.log(`  CPU ${fmt(run.usage.cpuPct, 1)} % of a core, PSS ${fmt(mb(run.usage.pssMaxBytes), 1)} MB`);
    runs.push({ renditions, run });
  }
  const base = runs[0]!.run.usage;
  printTable(
    `cost per rendition, source ${opts.size} ${opts.fps} fps ${opts.bitrate} kbit/s; CPU in % of one core, memory max of the process tree (PSS)`,
    ["renditions", "CPU %", "CPU by process", "PSS MB", "PSS MB by process", "rendition CPU %", "rendition PSS MB", "pub exits"],
    runs.map(({ renditions, run }) => [
      renditions,
      fmt(run.usage.cpuPct, 1),
      Object.entries(run.usage.cpuPctByComm)
        .map(([k, v]) => `${k} ${fmt(v, 1)}`)
        .join(", "),
      fmt(mb(run.usage.pssMaxBytes), 1),
      Object.entries(run.usage.pssMaxBytesByComm)
        .map(([k, v]) => `${k} ${fmt(mb(v))}`)
        .join(", "),
      renditions === "none" ? "" : fmt(run.usage.cpuPct - base.cpuPct, 1),
      renditions === "none" ? "" : fmt(mb(run.usage.pssMaxBytes - base.pssMaxBytes), 1),
      run.publisherExits,
    ]),
  );
  const file = writeResults("ingest-renditions", { options: opts, runs });
  console.log(`results: ${file}`);
}

async function main() {
  const [width, height] = opts.size.split("x").map(Number) as [number, number];
  console.log(`preparing source FLV ${opts.size} ${opts.fps} fps ${opts.bitrate} kbit/s (cached in the temp dir)…`);
  const flv = await prepareFlv({ width, height, fps: opts.fps, bitrateKbps: opts.bitrate, seconds: 30 });
  if (opts.renditions) return measureRenditions(flv, opts.renditions.split(","));
  const runs: Run[] = [];
  for (const n of counts) {
    for (const system of systems) {
      console.log(`${SYSTEM_LABEL[system]}: ${n} publisher(s), measuring ${opts.duration} s…`);
      const run = await measure(system, n, flv);
      console.log(
        `  CPU ${fmt(run.usage.cpuPct, 1)} % of a core, RSS ${fmt(mb(run.usage.rssMaxBytes), 1)} MB, PSS ${fmt(mb(run.usage.pssMaxBytes), 1)} MB` +
          (run.publisherExits ? `  WARNING: ${run.publisherExits} publisher(s) exited during the run` : ""),
      );
      runs.push(run);
    }
  }
  const perPublisher = (r: Run) => ({ cpuPct: r.usage.cpuPct / r.publishers, pssMb: mb(r.usage.pssMaxBytes) / r.publishers });
  printTable(
    `ingest cost, ${opts.size} ${opts.fps} fps ${opts.bitrate} kbit/s; CPU in % of one core and memory max of the process tree (PSS: shared libraries counted once)`,
    ["system", "pubs", "CPU %", "CPU by process", "RSS MB", "PSS MB", "PSS MB by process", "CPU %/pub", "PSS MB/pub", "pub exits"],
    runs.map((r) => [
      SYSTEM_LABEL[r.system],
      r.publishers,
      fmt(r.usage.cpuPct, 1),
      Object.entries(r.usage.cpuPctByComm)
        .map(([k, v]) => `${k} ${fmt(v, 1)}`)
        .join(", "),
      fmt(mb(r.usage.rssMaxBytes), 1),
      fmt(mb(r.usage.pssMaxBytes), 1),
      Object.entries(r.usage.pssMaxBytesByComm)
        .map(([k, v]) => `${k} ${fmt(mb(v))}`)
        .join(", "),
      fmt(perPublisher(r).cpuPct, 1),
      fmt(perPublisher(r).pssMb, 1),
      r.publisherExits,
    ]),
  );
  const ratios = counts.flatMap((n) => {
    const ours = runs.find((r) => r.system === "ours" && r.publishers === n);
    return (["nginx", "before"] as const).flatMap((other) => {
      const them = runs.find((r) => r.system === other && r.publishers === n);
      return ours && them
        ? [
            {
              publishers: n,
              versus: other,
              cpuRatio: ours.usage.cpuPct / them.usage.cpuPct,
              pssRatio: ours.usage.pssMaxBytes / them.usage.pssMaxBytes,
            },
          ]
        : [];
    });
  });
  for (const r of ratios)
    console.log(`${r.publishers} publisher(s): ours / ${SYSTEM_LABEL[r.versus]}: CPU ${fmt(r.cpuRatio, 1)}×, PSS ${fmt(r.pssRatio, 1)}×`);
  const file = writeResults("ingest", { options: opts, runs, ratios });
  console.log(`results: ${file}`);
}

runBenchmark(main);
