import js from "@eslint/js";
import DiscourseRecommendedTheme from "@discourse/lint-configs/eslint-theme";
import globals from "globals";
import tseslint from "typescript-eslint";

// The theme: Discourse's ESLint config for themes (as its theme skeleton uses it), limited to javascripts/.
const THEME = "javascripts/";
const theme = DiscourseRecommendedTheme.map((config) =>
  Object.keys(config).length === 1 && config.ignores
    ? config
    : { ...config, files: (config.files ?? ["**/*.{js,gjs}"]).map((glob) => THEME + glob) }
);

// The TypeScript of the ingest, player, tests, benchmarks and soak: ESLint's and typescript-eslint's
// recommended rules.
const typescript = tseslint.config({
  files: ["{ingest,player,tests,bench,soak}/**/*.ts", "*.config.ts"],
  extends: [js.configs.recommended, ...tseslint.configs.recommended],
  languageOptions: { globals: globals.node },
  rules: {
    // A leading underscore names a parameter a signature requires but the body does not use.
    "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
  },
});

// Tests and benchmarks reach into untyped page globals (window.__test, LatencyProbe, video.js's player)
// and parsed ffprobe JSON or TOML documents; `any` there spares casts that would check nothing.
const testAny = { files: ["tests/**/*.ts", "bench/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } };

export default [{ ignores: ["assets/", "data/", "node_modules/"] }, ...theme, ...typescript, testAny];
