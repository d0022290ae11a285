import { defineProject } from "vitest/config";

// Fault injection against the real ingest with real ffmpeg publishers: one file at a time (they load the CPU).
export default defineProject({
  test: {
    name: "faults",
    sequence: { groupOrder: 3 },
    environment: "node",
    include: ["tests/faults/**/*.test.ts"],
    root: new URL("../..", import.meta.url).pathname,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 30_000,
  },
});
