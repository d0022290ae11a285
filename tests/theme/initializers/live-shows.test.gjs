import { describe, expect, test } from "vitest";
import { hash } from "@ember/helper";
import { render, waitUntil } from "@ember/test-helpers";
import initializer from "../../../javascripts/discourse/api-initializers/live-shows";
import LiveShowBadge from "../../../javascripts/discourse/components/live-show-badge";
import LiveShowNotice from "../../../javascripts/discourse/components/live-show-notice";
import LiveShowTopicPlayer from "../../../javascripts/discourse/components/live-show-topic-player";
import { createFakeApi } from "discourse/lib/api";
import { settings } from "discourse/lib/theme-settings-store";
import { mounts } from "../support/fake-live-player";
import { setupRenderingTest } from "../support/rendering";

describe("live-shows api initializer", () => {
  const ctx = setupRenderingTest();

  function initialize() {
    const api = createFakeApi();
    ctx.owner.register("test:plugin-api", api, { instantiate: false });
    initializer.initialize(ctx.owner);
    return api.calls;
  }

  test("wires the topic player above the posts and the badge after topic list titles", () => {
    expect(initialize()).toEqual([
      ["renderInOutlet", "topic-above-posts", LiveShowTopicPlayer],
      ["renderInOutlet", "topic-list-after-title", LiveShowBadge],
    ]);
  });

  test("no badge connector when badges are turned off", () => {
    settings.live_badge_in_topic_lists = false;
    expect(initialize()).toEqual([["renderInOutlet", "topic-above-posts", LiveShowTopicPlayer]]);
  });

  test("the live-now notice on every page only when its setting is on (default off: nothing rendered, nothing asked)", () => {
    expect(settings.live_now_notice).toBe(false);
    expect(initialize().some(([, outlet]) => outlet === "above-main-container")).toBe(false);
  });

  test("with live_now_notice on, the notice renders above the main container", () => {
    settings.live_now_notice = true;
    expect(initialize()).toContainEqual(["renderInOutlet", "above-main-container", LiveShowNotice]);
  });

  test("the topic connector renders the player with core's outlet args", async () => {
    Object.assign(settings, { ingest_base_url: "https://chat.example.org/live", show_streams: [{ tags: ["show"], stream: "test" }] });
    const [[, , Connector]] = initialize();
    const topic = { id: 3, tags: [{ id: 1, name: "show", slug: "show" }] };
    await render(<template><Connector @outletArgs={{hash model=topic}} /></template>);
    await waitUntil(() => mounts.length === 1);
    expect(mounts[0].options.stream).toBe("test");
  });
});
