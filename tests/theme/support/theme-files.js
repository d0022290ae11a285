// The theme's real settings.yml defaults and locales/en.yml strings, for the shims.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

// What settings.theme_uploads_local.live_player looks like on a forum.
export const PLAYER_URL = "/theme-javascripts/0123abcd.js?__ws=forum.example";

export const repoRoot = path.resolve(import.meta.dirname, "../../..");

export function readYaml(relativePath) {
  return parse(readFileSync(path.join(repoRoot, relativePath), "utf8"));
}

export function defaultSettings() {
  const settings = {};
  for (const [name, definition] of Object.entries(readYaml("settings.yml"))) {
    settings[name] = definition?.default;
  }
  return settings;
}

// { "live_shows.state.live": "Live", "live_shows.viewers": { one, other }, ... }
export function flattenTranslations(tree, prefix = "") {
  const flat = {};
  for (const [key, value] of Object.entries(tree ?? {})) {
    const fullKey = prefix ? `${prefix}.${key}` : key;
    const isPlural = value && typeof value === "object" && "other" in value;
    if (value && typeof value === "object" && !isPlural) {
      Object.assign(flat, flattenTranslations(value, fullKey));
    } else {
      flat[fullKey] = value;
    }
  }
  return flat;
}
