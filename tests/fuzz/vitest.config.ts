import { defineProject } from "vitest/config";

// The short fuzz run (about a minute over every target) and the regression tests of its findings.
export default defineProject({
  test: {
    name: "fuzz",
    sequence: { groupOrder: 4 },
    environment: "node",
    include: ["tests/fuzz/**/*.test.ts"],
    root: new URL("../..", import.meta.url).pathname,
    testTimeout: 150_000,
    hookTimeout: 30_000,
  },
});
