import { defineConfig } from "vitest/config";

// Each area keeps its own vitest config next to its tests (node, jsdom + Ember, browser end-to-end).
export default defineConfig({
  test: {
    projects: ["tests/*/vitest.config.{ts,js}"],
  },
});
