// Test stand-in for discourse-i18n: `%{name}` interpolation and one/other plurals like core's I18n.
// A missing key renders as "[en.<key>]", as core does, so tests can spot it.
export const translations = {};

export function i18n(key, options = {}) {
  let template = translations[key];
  if (template && typeof template === "object") {
    template = options.count === 1 ? (template.one ?? template.other) : template.other;
  }
  if (typeof template !== "string") {
    return `[en.${key}]`;
  }
  return template.replace(/%\{(\w+)\}/g, (_, name) => String(options[name] ?? ""));
}

export function setTranslations(values) {
  for (const key of Object.keys(translations)) {
    delete translations[key];
  }
  Object.assign(translations, values);
}

// core: I18n.currentBcp47Locale, e.g. "en-GB"; tests may set it.
const I18n = { t: i18n, translations, locale: "en", currentBcp47Locale: "en" };
export default I18n;
