import { defineProject } from "vitest/config";

// The soak test's own logic (trend estimates); the soak itself is `npm run soak`.
export default defineProject({
  test: {
    name: "soak",
    sequence: { groupOrder: 4 },
    environment: "node",
    include: ["tests/soak/**/*.test.ts"],
    root: new URL("../..", import.meta.url).pathname,
  },
});
