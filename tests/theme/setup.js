import { afterEach, beforeEach } from "vitest";
import I18n, { setTranslations } from "discourse-i18n";
import { loadedUrls, setLoadScriptImpl } from "discourse/lib/load-script";
import { resetSettings, themePrefix } from "discourse/lib/theme-settings-store";
import { loadFakeBundle, resetFakePlayer } from "./support/fake-live-player";
import { defaultSettings, flattenTranslations, PLAYER_URL, readYaml } from "./support/theme-files";

globalThis.EmberENV = { LOG_VERSION: false }; // read when ember-source is first imported

// vitest's jsdom env makes `window` Node's global; jsdom's event constructors reject
// `view: window`, which @ember/test-helpers' click()/triggerEvent() pass.
if (globalThis.navigator?.userAgent.includes("jsdom")) {
  for (const name of ["MouseEvent", "KeyboardEvent", "FocusEvent", "UIEvent", "PointerEvent", "WheelEvent"]) {
    const Original = globalThis[name];
    if (Original) {
      globalThis[name] = class extends Original {
        constructor(type, { view, ...init } = {}) {
          super(type, init);
        }
      };
    }
  }
}

const locale = flattenTranslations(readYaml("locales/en.yml").en);
const translations = Object.fromEntries(
  Object.entries(locale).map(([key, value]) => [themePrefix(key), value])
);

// Shim and module state is per page in Discourse, per test here.
beforeEach(() => {
  resetSettings({
    ...defaultSettings(),
    theme_uploads: { live_player: `https://cdn.example${PLAYER_URL}` },
    theme_uploads_local: { live_player: PLAYER_URL },
  });
  setTranslations(translations);
  I18n.currentBcp47Locale = "en";
  loadedUrls.length = 0;
  setLoadScriptImpl(loadFakeBundle);
});

afterEach(() => {
  resetFakePlayer();
});
