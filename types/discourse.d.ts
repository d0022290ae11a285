// The few Discourse core modules the theme imports, declared after core's own signatures
// (frontend/discourse/app/lib/{api,load-script}.js, discourse-i18n). At runtime Discourse
// provides them; in tests, tests/theme/shims/ do.

declare module "discourse/lib/api" {
  export interface PluginApi {
    /** Renders `component` in the named plugin outlet; it receives the outlet's @outletArgs. */
    renderInOutlet(outletName: string, component: object): void;
  }
  export function apiInitializer(
    callback: (api: PluginApi, opts?: object) => unknown,
    opts?: object
  ): { name: string; after: string; initialize(owner?: unknown): unknown };
}

declare module "discourse/lib/load-script" {
  /** Inserts a classic <script> (or a <link> with css: true); resolves once loaded, once per URL. */
  export default function loadScript(url: string, opts?: { css?: boolean }): Promise<void>;
}

declare module "discourse-i18n" {
  export function i18n(key: string, options?: Record<string, unknown>): string;
  const I18n: {
    /** The interface language as a BCP 47 tag, e.g. "en-GB" (core: a getter on I18n). */
    readonly currentBcp47Locale: string;
  };
  export default I18n;
}

declare module "discourse/lib/ajax" {
  /** A request to the forum (its subfolder and session applied); resolves with the parsed JSON. */
  export function ajax(url: string, options?: object): Promise<any>;
}

declare module "discourse/lib/get-url" {
  /** The path with the forum's subfolder prefix, e.g. "/forum/t/slug/12". */
  export default function getURL(path: string): string;
}
