import { defineProject } from "vitest/config";

// Real nginx (reverse proxy and HTTP cache), the real ingest, real ffmpeg publishers, simulated
// LL-HLS viewers and real Chromium: one file at a time, long timeouts.
export default defineProject({
  test: {
    name: "proxy",
    sequence: { groupOrder: 2 },
    environment: "node",
    include: ["tests/proxy/**/*.test.ts"],
    root: new URL("../..", import.meta.url).pathname,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 90_000,
  },
});
