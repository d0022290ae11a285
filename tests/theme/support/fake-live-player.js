// A recording stand-in for the bundle's global (contract: window.LiveShowsPlayer =
// { version, mount(element, options) -> { destroy() } }). setup.js makes the loadScript shim
// "load" it, so the theme code under test runs unchanged up to that boundary.

/** @type {Array<{ element: Element, options: any, destroyed: number }>} */
export const mounts = [];

function createPlayer() {
  return {
    version: "test",
    mount(element, options) {
      const record = { element, options, destroyed: 0 };
      mounts.push(record);
      element.setAttribute("data-fake-player", options.stream);
      options.onStateChange?.("offline");
      return {
        destroy() {
          record.destroyed += 1;
          element.removeAttribute("data-fake-player");
        },
      };
    },
  };
}

// What evaluating assets/live-player.js does: define the global, a task later (like a <script>).
export async function loadFakeBundle() {
  await new Promise((resolve) => setTimeout(resolve, 0));
  window.LiveShowsPlayer = createPlayer();
}

export function resetFakePlayer() {
  mounts.length = 0;
  if (typeof window !== "undefined") {
    delete window.LiveShowsPlayer;
  }
}
