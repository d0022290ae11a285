// Fuzzing loop of one target, in a worker thread the runner can terminate (hang) or lose (out of memory).
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { targetModules } from "../targets/index.js";
import { COVERAGE_GLOBAL } from "./instrument.js";
import { Mutator, Rng } from "./mutator.js";
import { MAX_SHARED_INPUT, SHARED_HEADER_BYTES, type WorkerConfig, type WorkerMessage, type WorkerStats } from "./protocol.js";

const config = workerData as WorkerConfig;
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);

// AFL's hit-count buckets: a counter going from 3 to 5 hits is news, from 40 to 41 is not.
const BUCKET = new Uint8Array(256);
for (let n = 1; n < 256; n++) BUCKET[n] = n === 1 ? 0 : n === 2 ? 1 : n === 3 ? 2 : n < 8 ? 3 : n < 16 ? 4 : n < 32 ? 5 : n < 128 ? 6 : 7;

async function main(): Promise<void> {
  const coverage = new Uint8Array(Math.max(1, config.counters));
  (globalThis as Record<string, unknown>)[COVERAGE_GLOBAL] = coverage;
  const target = await (await targetModules[config.target]!()).load(config.root);

  const seen = new Uint8Array(coverage.length * 8);
  const everHit = new Uint8Array(coverage.length);
  const ranges = config.files.filter((f) => target.files.includes(f.file));
  const total = ranges.reduce((n, r) => n + r.end - r.start, 0);
  const sharedHeader = new Int32Array(config.shared, 0, 2);
  const sharedStart = new Float64Array(config.shared, 8, 1);
  const sharedInput = new Uint8Array(config.shared, SHARED_HEADER_BYTES, MAX_SHARED_INPUT);
  const corpus: Buffer[] = [];
  const findings = new Set<string>();
  const rng = new Rng(config.seed);
  const mutator = new Mutator(rng);
  let execs = 0;
  let features = 0;
  let maxHeapBytes = 0;
  let slowestMs = 0;

  const stats = (): WorkerStats => {
    let covered = 0;
    for (const r of ranges) for (let i = r.start; i < r.end; i++) covered += everHit[i]!;
    return { execs, corpus: corpus.length, features, covered, total, maxHeapBytes, slowestMs };
  };

  /** Runs one input; true when it reached a counter/hit-count bucket no earlier input did. */
  const execute = async (data: Buffer): Promise<boolean> => {
    coverage.fill(0);
    if (data.length <= MAX_SHARED_INPUT) sharedInput.set(data);
    sharedHeader[1] = data.length;
    sharedStart[0] = Date.now();
    Atomics.store(sharedHeader, 0, 1);
    const started = performance.now();
    try {
      const pending = target.run(data);
      if (pending) await pending;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // One report per distinct failure: its type, message shape (numbers masked) and where it was thrown.
      const frame = (error.stack ?? "").split("\n").find((l) => l.includes("/ingest/src/")) ?? "";
      const key = `${error.name}: ${error.message.replace(/\d+/g, "N").slice(0, 120)} @ ${frame.replace(/.*\/ingest\/src\//, "").replace(/:\d+\)?$/, "")}`;
      if (config.replay || !findings.has(key)) {
        findings.add(key);
        post({ type: "finding", key, message: (error.stack ?? error.message).slice(0, 2000), data: new Uint8Array(data) });
      }
    } finally {
      Atomics.store(sharedHeader, 0, 0);
    }
    slowestMs = Math.max(slowestMs, performance.now() - started);
    execs++;
    let fresh = false;
    for (let i = 0; i < coverage.length; i++) {
      const hits = coverage[i]!;
      if (hits === 0) continue;
      everHit[i] = 1;
      const feature = i * 8 + BUCKET[hits]!;
      if (seen[feature] === 0) {
        seen[feature] = 1;
        features++;
        fresh = true;
      }
    }
    if ((execs & 1023) === 0) maxHeapBytes = Math.max(maxHeapBytes, getHeapStatistics().used_heap_size);
    return fresh;
  };

  const keep = (data: Buffer, announce: boolean): void => {
    corpus.push(data);
    if (announce) post({ type: "input", data: new Uint8Array(data) });
  };

  if (config.replay) {
    for (const bytes of config.corpus) await execute(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    maxHeapBytes = getHeapStatistics().used_heap_size;
    post({ type: "done", stats: stats(), hit: everHit, files: target.files });
    return;
  }
  for (const seed of target.seeds) {
    const data = seed.subarray(0, target.maxLength);
    // Seeds stay in the corpus even without new coverage: they are the real-world shapes to mutate from.
    await execute(data);
    keep(data, false);
  }
  // Buffers arrive as plain Uint8Arrays after the structured clone to this thread.
  for (const bytes of config.corpus) {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (await execute(data)) keep(data, false);
  }
  if (corpus.length === 0) keep(Buffer.alloc(0), false);

  let lastStats = Date.now();
  while (execs < config.maxRuns && Date.now() < config.deadline) {
    // Favour recent finds (they sit at the frontier of the coverage) without starving the seeds.
    const index = rng.chance(0.3) ? corpus.length - 1 - rng.below(Math.min(corpus.length, 16)) : rng.below(corpus.length);
    const data = mutator.mutate(corpus[index]!, { maxLength: target.maxLength, dictionary: target.dictionary, other: rng.pick(corpus) });
    if (await execute(data)) keep(data, true);
    if (Date.now() - lastStats >= 1_000) {
      lastStats = Date.now();
      post({ type: "stats", stats: stats() });
    }
  }
  maxHeapBytes = Math.max(maxHeapBytes, getHeapStatistics().used_heap_size);
  post({ type: "done", stats: stats(), hit: everHit, files: target.files });
}

// A target that cannot load rejects here: the runner reports the worker's error as a harness failure.
await main();
