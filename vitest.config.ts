import { defineConfig } from "vitest/config";

// Each area keeps its own vitest config next to its tests (node, jsdom + Ember, browser end-to-end).
// Their `sequence.groupOrder` runs unit suites together, then the timing-sensitive browser, proxy,
// fault and fuzz suites each on their own, so they do not compete for the machine's two cores.
export default defineConfig({
  test: {
    projects: ["tests/*/vitest.config.{ts,js}"],
  },
});
