import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "player",
    sequence: { groupOrder: 0 },
    environment: "node",
    include: ["tests/player/**/*.test.ts"],
    root: new URL("../..", import.meta.url).pathname,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
