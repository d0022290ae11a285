// bench:startup — what running the ingest through tsx costs next to the compiled JavaScript the service runs:
// time from spawn to a /healthz answer, and memory (PSS) idle and with one publisher.
import { runBenchmark } from "./lib/child-processes.js";
import { parseOptions } from "./lib/cli-options.js";
import { sleep } from "./lib/net-wait.js";
import { OurIngest } from "./lib/our-ingest.js";
import { readPss } from "./lib/proc-stats.js";
import { prepareFlv, replayFlv } from "./lib/publisher.js";
import { summarize } from "./lib/stats.js";
import { fmt, mb, printTable, writeResults } from "./lib/table.js";

const opts = parseOptions("npm run bench:startup --", {
  starts: { default: 5, help: "starts per runner (alternating compiled and tsx)" },
  settle: { default: 5, help: "seconds before each memory reading" },
});
const RUNNERS = ["compiled", "tsx"] as const;
type Runner = (typeof RUNNERS)[number];

interface Start {
  runner: Runner;
  startMs: number;
  idlePssBytes: number;
  publishingPssBytes: number;
}

async function measure(runner: Runner, flv: string): Promise<Start> {
  const ingest = new OurIngest({ streams: ["bench"], runner });
  await ingest.start();
  // Timed by start() from the server's spawn: adding keys and building ingest/dist come before it.
  const startMs = ingest.startedAfterMs!;
  try {
    await sleep(opts.settle * 1000);
    const idlePssBytes = readPss(ingest.pid);
    const publisher = replayFlv("publisher", flv, ingest.publishUrl("bench"));
    try {
      await ingest.waitForPlaylist("bench", 1, 40_000);
      await sleep(opts.settle * 1000);
      return { runner, startMs, idlePssBytes, publishingPssBytes: readPss(ingest.pid) };
    } finally {
      await publisher.stop(3000);
    }
  } finally {
    await ingest.close();
  }
}

async function main() {
  const flv = await prepareFlv({ width: 1280, height: 720, fps: 30, bitrateKbps: 2500, seconds: 30 });
  const starts: Start[] = [];
  for (let i = 0; i < opts.starts; i++) {
    for (const runner of RUNNERS) {
      const s = await measure(runner, flv);
      console.log(
        `${runner}: start ${fmt(s.startMs)} ms, PSS idle ${fmt(mb(s.idlePssBytes), 1)} MB, one publisher ${fmt(mb(s.publishingPssBytes), 1)} MB`,
      );
      starts.push(s);
    }
  }
  const rows = RUNNERS.map((runner) => {
    const mine = starts.filter((s) => s.runner === runner);
    return {
      runner,
      startMs: summarize(mine.map((s) => s.startMs)).p50,
      idleMb: summarize(mine.map((s) => mb(s.idlePssBytes))).p50,
      publishingMb: summarize(mine.map((s) => mb(s.publishingPssBytes))).p50,
    };
  });
  printTable(
    `ingest start (spawn → /healthz) and PSS, medians of ${opts.starts} starts`,
    ["runner", "start ms", "PSS idle MB", "PSS 1 publisher MB"],
    rows.map((r) => [r.runner, fmt(r.startMs), fmt(r.idleMb, 1), fmt(r.publishingMb, 1)]),
  );
  console.log(`results: ${writeResults("startup", { options: opts, starts, rows })}`);
}

runBenchmark(main);
