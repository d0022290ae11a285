import { afterEach, describe, expect, test, vi } from "vitest";
import { tracked } from "@glimmer/tracking";
import { hash } from "@ember/helper";
import { clearRender, render, settled, waitUntil } from "@ember/test-helpers";
import LiveShowTopicPlayer from "../../../javascripts/discourse/components/live-show-topic-player";
import { setForumOrigin } from "discourse/lib/ajax";
import { loadedUrls, setLoadScriptImpl } from "discourse/lib/load-script";
import { settings } from "discourse/lib/theme-settings-store";
import { loadFakeBundle, mounts } from "../support/fake-live-player";
import { setCurrentUser, setupRenderingTest } from "../support/rendering";
import { startStatusServer } from "../support/status-server";
import { PLAYER_URL } from "../support/theme-files";

const SHOWS = [{ tags: ["concert"], stream: "main" }, { tags: ["impro"], stream: "stage-2" }];

class Page {
  @tracked model;
  constructor(model) {
    this.model = model;
  }
}

function configure(overrides = {}) {
  Object.assign(settings, { ingest_base_url: "https://chat.example.org/live/", show_streams: SHOWS }, overrides);
}

async function renderTopic(page) {
  await render(<template><LiveShowTopicPlayer @outletArgs={{hash model=page.model}} /></template>);
}

describe("<LiveShowTopicPlayer>", () => {
  const ctx = setupRenderingTest();
  afterEach(() => vi.restoreAllMocks());

  test.each([
    ["string tags (older cores)", ["news", "Concert"]],
    ["tag objects (newer cores)", [{ id: 4, name: "news", slug: "news" }, { id: 7, name: "Konzert", slug: "konzert", original_name: "concert" }]],
  ])("mounts the bundle on a show topic with %s", async (_, tags) => {
    configure();
    setCurrentUser(ctx.owner, { staff: false });
    await renderTopic(new Page({ id: 11, tags }));

    // the 16:9 box exists before the bundle has loaded
    expect(ctx.element.querySelector(".live-show-frame .live-show-frame__box .live-show-frame__stage")).not.toBeNull();
    await waitUntil(() => mounts.length === 1);

    expect(loadedUrls).toEqual([PLAYER_URL]);
    const [{ element, options }] = mounts;
    expect(element.classList.contains("live-show-frame__stage")).toBe(true);
    expect(options).toMatchObject({
      baseUrl: "https://chat.example.org/live",
      stream: "main",
      autoplay: true,
      lowLatency: true,
      showViewers: true,
    });
    expect(options.labels).toEqual({
      loading: "Loading the show…",
      offline: "The show has not started yet. It will start here by itself.",
      live: "Live",
      reconnecting: "Reconnecting to the show…",
      ended: "The show has ended. Thanks for watching!",
      error: "Can't reach the show right now. Trying again…",
      unmute: "Tap to unmute",
      goLive: "Go live",
      play: "Play",
      watchReplay: "Watch the replay",
      membersOnly: "Members only — log in to watch",
      logIn: "Log in",
      groupOnly: "This show is for members of %{group}",
      seeGroup: "See the group",
      quality: "Quality",
      qualityAuto: "Auto",
      qualitySource: "Source",
    });
    expect(options.formatViewers(1)).toBe("1 watching");
    expect(options.formatViewers(25)).toBe("25 watching");
    await settled();
    expect(ctx.element.querySelector(".live-show-frame").dataset.state).toBe("offline");
    expect(ctx.element.textContent).not.toContain("[en.");
  });

  test("passes player options and text overrides from the settings", async () => {
    configure({
      autoplay_muted: false,
      low_latency: false,
      show_viewer_count: false,
      offline_text: "  Doors open at 8pm  ",
      ended_text: "See you next week",
    });
    await renderTopic(new Page({ id: 11, tags: ["impro"] }));
    await waitUntil(() => mounts.length === 1);
    const { options } = mounts[0];
    expect(options).toMatchObject({ stream: "stage-2", autoplay: false, lowLatency: false, showViewers: false });
    expect(options.labels.offline).toBe("Doors open at 8pm");
    expect(options.labels.ended).toBe("See you next week");
  });

  test("passes the topic's replay selection, bounded by the next topic with the show tag; none when show_replays is off", async () => {
    const created = "2026-12-01T18:00:00.000Z";
    const next = "2026-12-08T18:00:00.000Z";
    const forum = await startStatusServer(() => ({
      body: { topic_list: { topics: [{ id: 12, created_at: next, tags: ["concert"] }, { id: 11, created_at: created, tags: ["concert"] }] } },
    }));
    try {
      setForumOrigin(new URL(forum.baseUrl).origin);
      configure({ show_replays: true });
      await renderTopic(new Page({ id: 11, created_at: created, tags: ["concert"] }));
      await waitUntil(() => mounts.length === 1);
      const { options } = mounts[0];
      const recording = (id, startedAt) => ({ id, startedAt, endedAt: new Date(Date.parse(startedAt) + 3_600_000).toISOString(), durationS: 3725, playlist: `recordings/${id}/index.m3u8` });
      const chosen = await options.selectReplays({
        recordings: [recording("later", "2026-12-08T20:00:00.000Z"), recording("this", "2026-12-01T20:00:00.000Z"), recording("before", "2026-11-24T20:00:00.000Z")],
      });
      expect(chosen.map((r) => r.id)).toEqual(["this"]);
      expect(forum.requests).toEqual(["/latest.json?order=created&tags%5B%5D=concert"]);
      expect(options.formatReplay(chosen[0])).toMatch(/ · 1:02:05$/);
      expect(options.labels.watchReplay).toBe("Watch the replay");
      expect(options.replayControlTexts).toMatchObject({ Play: "Play", Pause: "Pause", Fullscreen: "Fullscreen" });
      await clearRender();
      mounts.length = 0;
      configure({ show_replays: false });
      await renderTopic(new Page({ id: 11, created_at: created, tags: ["concert"] }));
      await waitUntil(() => mounts.length === 1);
      expect(mounts[0].options.selectReplays).toBeUndefined();
    } finally {
      await forum.close();
    }
  });

  test("follows the bundle's state changes", async () => {
    configure();
    await renderTopic(new Page({ id: 11, tags: ["concert"] }));
    await waitUntil(() => mounts.length === 1);
    const section = ctx.element.querySelector(".live-show-frame");
    for (const state of ["live", "reconnecting", "ended"]) {
      mounts[0].options.onStateChange(state);
      await settled();
      expect(section.dataset.state).toBe(state);
    }
    mounts[0].options.onStateChange("bogus");
    await settled();
    expect(section.dataset.state).toBe("ended");
  });

  test("renders nothing and loads nothing on a topic that is not a show", async () => {
    configure();
    setCurrentUser(ctx.owner, { staff: true });
    await renderTopic(new Page({ id: 12, tags: ["news", { id: 1, name: "music", slug: "concert" }] }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ctx.element.querySelector(".live-show-frame, .live-show-config-notice")).toBeNull();
    expect(ctx.element.textContent.trim()).toBe("");
    expect(loadedUrls).toEqual([]);
  });

  test("moving to another topic in the same instance destroys the old player; the bundle loads once", async () => {
    configure();
    const page = new Page({ id: 21, tags: ["concert"] });
    await renderTopic(page);
    await waitUntil(() => mounts.length === 1);
    const stage = ctx.element.querySelector(".live-show-frame__stage");

    page.model = { id: 22, tags: ["concert"] }; // same stream, other topic
    await settled();
    await waitUntil(() => mounts.length === 2);
    expect(mounts[0].destroyed).toBe(1);
    expect(mounts[1].destroyed).toBe(0);
    expect(mounts[1].element).toBe(stage); // same component instance and element, fresh mount
    expect(stage.dataset.topicId).toBe("22");

    page.model = { id: 23, tags: ["impro"] };
    await settled();
    await waitUntil(() => mounts.length === 3);
    expect(mounts[1].destroyed).toBe(1);
    expect(mounts[2].options.stream).toBe("stage-2");
    expect(loadedUrls).toEqual([PLAYER_URL]);

    page.model = { id: 24, tags: ["news"] };
    await settled();
    expect(mounts[2].destroyed).toBe(1);
    expect(ctx.element.querySelector(".live-show-frame")).toBeNull();
    expect(mounts).toHaveLength(3);
  });

  test("leaving the page destroys the player", async () => {
    configure();
    await renderTopic(new Page({ id: 31, tags: ["concert"] }));
    await waitUntil(() => mounts.length === 1);
    await clearRender();
    expect(mounts[0].destroyed).toBe(1);
  });

  test("leaving before the bundle has loaded never mounts it", async () => {
    configure();
    let finishLoading;
    setLoadScriptImpl(() => new Promise((resolve) => (finishLoading = resolve)).then(loadFakeBundle));
    await renderTopic(new Page({ id: 32, tags: ["concert"] }));
    expect(loadedUrls).toHaveLength(1);
    await clearRender();
    finishLoading();
    await waitUntil(() => window.LiveShowsPlayer !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mounts).toEqual([]);
  });

  test("a bundle that fails to load shows the error text, and the next show topic retries", async () => {
    configure();
    vi.spyOn(console, "error").mockImplementation(() => {});
    setLoadScriptImpl(async () => {
      throw new Error("Failed to load /theme-javascripts/0123abcd.js");
    });
    const page = new Page({ id: 41, tags: ["concert"] });
    await renderTopic(page);
    await waitUntil(() => ctx.element.querySelector(".live-show-frame__message"));
    expect(ctx.element.querySelector(".live-show-frame__message").textContent.trim()).toBe(
      "The player could not load. Reload the page to try again."
    );
    expect(ctx.element.querySelector(".live-show-frame").dataset.state).toBe("error");

    setLoadScriptImpl(loadFakeBundle);
    page.model = { id: 42, tags: ["concert"] };
    await settled();
    await waitUntil(() => mounts.length === 1);
    await settled();
    expect(loadedUrls).toHaveLength(2);
    expect(ctx.element.querySelector(".live-show-frame__message")).toBeNull();
  });

  test("a theme without the live_player asset shows the error text instead of requesting undefined", async () => {
    configure({ theme_uploads_local: {}, theme_uploads: {} });
    vi.spyOn(console, "error").mockImplementation(() => {});
    await renderTopic(new Page({ id: 51, tags: ["concert"] }));
    await waitUntil(() => ctx.element.querySelector(".live-show-frame__message"));
    expect(loadedUrls).toEqual([]);
  });
});
