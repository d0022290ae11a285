import { afterEach, describe, expect, test, vi } from "vitest";
import { tracked } from "@glimmer/tracking";
import { hash } from "@ember/helper";
import { render, settled, waitUntil } from "@ember/test-helpers";
import LiveShowTopicPlayer from "../../../javascripts/discourse/components/live-show-topic-player";
import I18n from "discourse-i18n";
import { setForumOrigin } from "discourse/lib/ajax";
import { settings } from "discourse/lib/theme-settings-store";
import { mounts } from "../support/fake-live-player";
import { setCurrentUser, setupRenderingTest } from "../support/rendering";
import { startStatusServer } from "../support/status-server";

const START = "2025-12-12T19:00:00.000Z"; // Friday 12 December, 20:00 in Paris
const END = "2025-12-12T21:00:00.000Z";
const MINUTE = 60_000;

class Page {
  @tracked model;
  constructor(model) {
    this.model = model;
  }
}

// The current shape: the first post carries the serialized event.
const currentShape = (id = 11) => ({
  id,
  tags: ["concert"],
  postStream: { posts: [{ id: 90, post_number: 1, event: { id: 90, starts_at: START, ends_at: END, timezone: "Europe/Paris" } }] },
});
// The previous shape: event times on the topic.
const previousShape = (id = 11) => ({ id, tags: ["concert"], event_starts_at: START, event_ends_at: END });

describe("<LiveShowTopicPlayer> with the topic's event", () => {
  const ctx = setupRenderingTest();
  afterEach(() => {
    vi.useRealTimers();
  });

  async function open(topic, { now, zone = "Europe/Paris", locale = "en-GB" } = {}) {
    // Fake clock and timers, still advancing with real time so Ember's settling works.
    vi.useFakeTimers({ now: new Date(now), shouldAdvanceTime: true, toFake: ["Date", "setTimeout", "clearTimeout"] });
    Object.assign(settings, { ingest_base_url: "https://chat.example.org/live", show_streams: [{ tags: ["concert"], stream: "main" }] });
    setCurrentUser(ctx.owner, zone ? { staff: false, user_option: { timezone: zone } } : null);
    I18n.currentBcp47Locale = locale;
    const page = new Page(topic);
    await render(<template><LiveShowTopicPlayer @outletArgs={{hash model=page.model}} /></template>);
    await waitUntil(() => ctx.element.querySelector(".live-show-schedule"));
    return page;
  }

  const text = () => ctx.element.querySelector(".live-show-schedule")?.textContent.replace(/\s+/g, " ").trim() ?? null;
  const phase = () => ctx.element.querySelector(".live-show-schedule")?.dataset.phase ?? null;
  async function advance(ms) {
    await vi.advanceTimersByTimeAsync(ms);
    await settled();
  }

  test.each([
    ["current shape (post.event)", currentShape()],
    ["previous shape (topic.event_starts_at)", previousShape()],
  ])("%s: counts down, then 'Starting soon…', in the reader's zone and locale", async (_, topic) => {
    // Mid-minute, with margins either side: the fake clock also advances with real time.
    await open(topic, { now: new Date(Date.parse(START) - (2 * 60 + 12) * MINUTE - 30_000) });
    expect(text()).toBe("Starts Friday 12 December, 20:00 — in 2 h 13 min The show will start here by itself.");
    expect(ctx.element.querySelector(".live-show-schedule time").getAttribute("datetime")).toBe(START);

    await advance(28_000);
    expect(text()).toContain("in 2 h 13 min");
    await advance(4_000);
    expect(text()).toContain("in 2 h 12 min");
    await advance((2 * 60 + 11) * MINUTE);
    expect(text()).toContain("— in 1 min");
    await advance(MINUTE);
    expect(phase()).toBe("starting");
    expect(text()).toBe("Starting soon… The show will start here by itself.");
  });

  test.each([
    ["America/New_York", "en-US", "Starts Friday, December 12, 2:00 PM — in 3 d 4 h"],
    ["Asia/Tokyo", "en-GB", "Starts Saturday 13 December, 04:00 — in 3 d 4 h"],
  ])("in %s (%s)", async (zone, locale, expected) => {
    await open(currentShape(), { now: Date.parse(START) - (3 * 1440 + 4 * 60) * MINUTE, zone, locale });
    expect(text()).toContain(expected);
  });

  test("an anonymous reader gets the browser's time zone", async () => {
    await open(currentShape(), { now: Date.parse(START) - 5 * MINUTE, zone: null });
    const expectedTime = new Intl.DateTimeFormat("en-GB", { timeStyle: "short" }).format(new Date(START));
    expect(text()).toContain(`, ${expectedTime} — in 5 min`);
  });

  test("the performer goes live: the schedule gives way to the player; the stream ends: the player's ended state", async () => {
    await open(currentShape(), { now: Date.parse(START) + MINUTE });
    expect(phase()).toBe("starting");
    const [{ options }] = mounts;
    options.onStateChange("live");
    await settled();
    expect(ctx.element.querySelector(".live-show-schedule")).toBeNull();
    expect(ctx.element.querySelector(".live-show-frame").dataset.state).toBe("live");
    options.onStateChange("ended");
    await settled();
    expect(ctx.element.querySelector(".live-show-schedule")).toBeNull();
    expect(ctx.element.querySelector(".live-show-frame").dataset.state).toBe("ended");
  });

  test("past the event's end and never live: the ended text (the setting's override when set)", async () => {
    settings.ended_text = "See you next Friday";
    await open(previousShape(), { now: Date.parse(END) - 20_000 });
    expect(phase()).toBe("starting");
    await advance(22_000);
    expect(phase()).toBe("over");
    expect(text()).toBe("See you next Friday");
  });

  test("after the show, the bundle's replay offer takes precedence over the ended text", async () => {
    const forum = await startStatusServer(() => ({ body: { topic_list: { topics: [] } } }));
    try {
      setForumOrigin(new URL(forum.baseUrl).origin);
      settings.show_replays = true;
      await open({ ...previousShape(), created_at: "2025-12-10T09:00:00.000Z" }, { now: Date.parse(END) + MINUTE });
      expect(phase()).toBe("over");
      const { options } = mounts[0];
      const replays = await options.selectReplays({ recordings: [] });
      await settled();
      expect(replays).toEqual([]);
      expect(phase()).toBe("over"); // nothing to offer: the ended text stays
      const recording = { id: "r1", startedAt: "2025-12-12T19:01:00.000Z", endedAt: "2025-12-12T20:50:00.000Z", durationS: 6540, playlist: "recordings/r1/index.m3u8" };
      expect(await options.selectReplays({ recordings: [recording] })).toHaveLength(1);
      await settled();
      expect(ctx.element.querySelector(".live-show-schedule")).toBeNull();
    } finally {
      await forum.close();
    }
  });

  test("without an event: the player's own offline text, no schedule", async () => {
    vi.useFakeTimers({ now: new Date(START), shouldAdvanceTime: true, toFake: ["Date", "setTimeout", "clearTimeout"] });
    Object.assign(settings, { ingest_base_url: "https://chat.example.org/live", show_streams: [{ tags: ["concert"], stream: "main" }] });
    const page = new Page({ id: 12, tags: ["concert"], postStream: { posts: [{ post_number: 1 }] } });
    await render(<template><LiveShowTopicPlayer @outletArgs={{hash model=page.model}} /></template>);
    await waitUntil(() => ctx.element.querySelector(".live-show-frame[data-state=offline]"));
    expect(ctx.element.querySelector(".live-show-schedule")).toBeNull();
    expect(mounts[0].options.labels.offline).toBe("The show has not started yet. It will start here by itself.");
  });

  test("moving to another show topic follows its event; leaving stops the timer", async () => {
    const page = await open(currentShape(11), { now: Date.parse(START) - 10 * MINUTE });
    expect(text()).toContain("in 10 min");
    page.model = { ...previousShape(12), event_starts_at: "2025-12-19T19:00:00.000Z", event_ends_at: "2025-12-19T21:00:00.000Z" };
    await waitUntil(() => text()?.includes("Friday 19 December"));
    expect(text()).toContain("in 7 d 0 h");
    page.model = { id: 13, tags: ["news"] };
    await settled();
    expect(ctx.element.querySelector(".live-show-frame")).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });
});
