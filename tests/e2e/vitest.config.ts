import { defineProject } from "vitest/config";

// Real ffmpeg publishers, real servers on loopback, real headless Chromium: one file at a time.
export default defineProject({
  test: {
    name: "e2e",
    sequence: { groupOrder: 1 },
    environment: "node",
    include: ["tests/e2e/**/*.test.ts"],
    root: new URL("../..", import.meta.url).pathname,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
