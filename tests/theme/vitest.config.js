import path from "node:path";
import { defineProject } from "vitest/config";
import emberGjs from "./support/ember-gjs-plugin.js";

const root = path.resolve(import.meta.dirname, "../..");
const shims = path.resolve(import.meta.dirname, "shims");

// Theme components (.gjs) rendered by ember-source in jsdom; Discourse modules are small shims.
export default defineProject({
  root,
  plugins: [emberGjs({ themeDir: "/javascripts/" })],
  resolve: {
    extensions: [".mjs", ".js", ".ts", ".gjs", ".json"],
    alias: [
      { find: /^discourse-i18n$/, replacement: `${shims}/discourse-i18n.js` },
      { find: /^discourse\/(.*)$/, replacement: `${shims}/discourse/$1` },
    ],
  },
  test: {
    name: "theme",
    sequence: { groupOrder: 0 },
    root,
    environment: "jsdom",
    include: ["tests/theme/**/*.test.{js,ts,gjs}"],
    setupFiles: ["tests/theme/setup.js"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    server: { deps: { inline: [/ember-source/, /@glimmer\/component/, /@ember\/test-/, /ember-modifier/] } },
  },
});
