import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { clearRender, click, render, settled, waitUntil } from "@ember/test-helpers";
import LiveShowPlayer from "../../../javascripts/discourse/components/live-show-player";
import { settings } from "discourse/lib/theme-settings-store";
import { mounts } from "../support/fake-live-player";
import { setupRenderingTest } from "../support/rendering";

// jsdom has no IntersectionObserver: a stand-in the test drives by hand.
class FakeIntersectionObserver {
  static instances = [];
  constructor(callback, options) {
    this.callback = callback;
    this.options = options;
    this.targets = [];
    FakeIntersectionObserver.instances.push(this);
  }
  observe(target) {
    this.targets.push(target);
  }
  disconnect() {
    this.targets = [];
  }
  report(ratio) {
    this.callback([{ isIntersecting: ratio > 0, intersectionRatio: ratio, target: this.targets[0] }], this);
  }
}

async function renderPlayer() {
  await render(<template><LiveShowPlayer @baseUrl="https://chat.example.org/live" @stream="main" @topicId={{7}} /></template>);
  await waitUntil(() => mounts.length === 1);
}

async function setState(state) {
  mounts[0].options.onStateChange(state);
  await settled();
}

async function scrollTo(ratio) {
  FakeIntersectionObserver.instances[0].report(ratio);
  await settled();
}

describe("docked mini-player", () => {
  const ctx = setupRenderingTest();
  const dock = () => ctx.element.querySelector(".live-show-frame__dock");

  beforeEach(() => {
    FakeIntersectionObserver.instances = [];
    vi.stubGlobal("IntersectionObserver", FakeIntersectionObserver);
    settings.docked_mini_player = true;
  });
  afterEach(() => vi.unstubAllGlobals());

  test("docks while live and scrolled out of view; the 16:9 box keeps its place", async () => {
    await renderPlayer();
    const observer = FakeIntersectionObserver.instances[0];
    expect(observer.targets).toEqual([ctx.element.querySelector(".live-show-frame__box")]);

    await scrollTo(0);
    expect(dock().classList.contains("--docked")).toBe(false); // offline: nothing to keep watching

    await setState("live");
    expect(dock().classList.contains("--docked")).toBe(true);
    expect(dock().querySelector(".live-show-frame__stage")).toBe(mounts[0].element); // not remounted
    expect(mounts[0].destroyed).toBe(0);

    await scrollTo(1);
    expect(dock().classList.contains("--docked")).toBe(false);
    await scrollTo(0.3);
    expect(dock().classList.contains("--docked")).toBe(true);
    await setState("ended");
    expect(dock().classList.contains("--docked")).toBe(false);
  });

  test("keyboard-reachable controls: return scrolls back, close undocks until the player is seen again", async () => {
    await renderPlayer();
    await setState("live");
    await scrollTo(0);
    const buttons = [...dock().querySelectorAll(".live-show-frame__dock-controls button")];
    expect(buttons.map((b) => b.tagName)).toEqual(["BUTTON", "BUTTON"]);
    expect(buttons.map((b) => b.getAttribute("type"))).toEqual(["button", "button"]);
    expect(buttons[0].textContent.trim()).toBe("Back to the show");
    expect(buttons[1].getAttribute("aria-label")).toBe("Close the mini player");

    const frame = ctx.element.querySelector(".live-show-frame__box");
    frame.scrollIntoView = vi.fn();
    await click(".live-show-frame__return");
    expect(frame.scrollIntoView).toHaveBeenCalledWith(expect.objectContaining({ block: "center" }));

    await click(".live-show-frame__close");
    expect(dock().classList.contains("--docked")).toBe(false);
    expect(dock().querySelector(".live-show-frame__dock-controls")).toBeNull();
    await scrollTo(0.1);
    expect(dock().classList.contains("--docked")).toBe(false);

    await scrollTo(1);
    await scrollTo(0);
    expect(dock().classList.contains("--docked")).toBe(true);
  });

  test("respects prefers-reduced-motion when scrolling back", async () => {
    vi.stubGlobal("matchMedia", (query) => ({ matches: query.includes("reduce"), media: query }));
    await renderPlayer();
    await setState("live");
    await scrollTo(0);
    const frame = ctx.element.querySelector(".live-show-frame__box");
    frame.scrollIntoView = vi.fn();
    await click(".live-show-frame__return");
    expect(frame.scrollIntoView).toHaveBeenCalledWith({ behavior: "auto", block: "center" });
  });

  test("never docks when the setting is off (and observes nothing)", async () => {
    settings.docked_mini_player = false;
    await renderPlayer();
    await setState("live");
    expect(FakeIntersectionObserver.instances).toEqual([]);
    expect(dock().classList.contains("--docked")).toBe(false);
  });

  test("stops observing when the player leaves", async () => {
    await renderPlayer();
    const observer = FakeIntersectionObserver.instances[0];
    expect(observer.targets).toHaveLength(1);
    await clearRender();
    expect(observer.targets).toEqual([]);
  });
});
