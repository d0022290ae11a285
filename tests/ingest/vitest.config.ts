import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ingest",
    sequence: { groupOrder: 0 },
    environment: "node",
    include: ["tests/ingest/**/*.test.ts"],
    root: new URL("../..", import.meta.url).pathname,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
