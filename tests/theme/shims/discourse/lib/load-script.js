// Test double of core's loadScript(url, opts): records every call and delegates to a swappable
// implementation. tests/theme/setup.js makes it install support/fake-live-player.js, a recording
// stand-in for window.LiveShowsPlayer: the bundle's global is the boundary these tests stop at
// (the real bundle is played end to end in real Chromium by the player's own tests).
export const loadedUrls = [];
let impl = async () => {};

export function setLoadScriptImpl(fn) {
  impl = fn;
}

export default function loadScript(url, opts = {}) {
  loadedUrls.push(url);
  return Promise.resolve(impl(url, opts));
}
