declare module "*.css?inline" {
  const css: string;
  export default css;
}

/** Replaced by vite with package.json's version. */
declare const __LIVE_SHOWS_PLAYER_VERSION__: string;
