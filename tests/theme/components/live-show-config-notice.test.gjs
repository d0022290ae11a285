import { describe, expect, test } from "vitest";
import { hash } from "@ember/helper";
import { render } from "@ember/test-helpers";
import LiveShowTopicPlayer from "../../../javascripts/discourse/components/live-show-topic-player";
import { loadedUrls } from "discourse/lib/load-script";
import { settings } from "discourse/lib/theme-settings-store";
import { setCurrentUser, setupRenderingTest } from "../support/rendering";

const SHOW_TOPIC = { id: 5, tags: [{ id: 1, name: "concert", slug: "concert" }] };

async function renderShowTopic(ingestBaseUrl, stream = "main") {
  Object.assign(settings, { ingest_base_url: ingestBaseUrl, show_streams: [{ tags: ["concert"], stream }] });
  await render(<template><LiveShowTopicPlayer @outletArgs={{hash model=SHOW_TOPIC}} /></template>);
}

describe("bad ingest settings on a show topic", () => {
  const ctx = setupRenderingTest();

  function expectNotice(expected) {
    const notice = ctx.element.querySelector(".live-show-config-notice");
    expect(notice).not.toBeNull();
    expect(notice.getAttribute("role")).toBe("status");
    expect(notice.querySelector(".live-show-config-notice__title").textContent.trim()).toBe("Live Shows is not set up yet");
    expect(notice.querySelector(".live-show-config-notice__message").textContent).toContain(expected);
    expect(notice.textContent).not.toContain("[en.");
    expect(ctx.element.querySelector(".live-show-frame")).toBeNull();
    expect(loadedUrls).toEqual([]);
  }

  test.each([
    ["empty", "", "The ingest base URL setting is empty."],
    ["not a URL", "chat.example.org/live", "is not a valid web address"],
    ["not http(s)", "rtmp://chat.example.org/live", "is not a valid web address"],
  ])("staff see what to fix when the base URL is %s", async (_, value, expected) => {
    setCurrentUser(ctx.owner, { staff: true });
    await renderShowTopic(value);
    expectNotice(expected);
  });

  test.each(["Main Stage", "-main", "a".repeat(65), "main/../x"])("staff see that the stream name %j is invalid", async (stream) => {
    setCurrentUser(ctx.owner, { staff: true });
    await renderShowTopic("https://chat.example.org/live", stream);
    expectNotice(`The stream name “${stream}” in the show streams setting is not valid`);
  });

  test("staff see that an http ingest is blocked on an https forum", async () => {
    setCurrentUser(ctx.owner, { staff: true });
    const location = window.location; // jsdom serves the test page over http
    Object.defineProperty(window, "location", { value: new URL("https://forum.example/t/show/5"), configurable: true });
    try {
      await renderShowTopic("http://chat.example.org/live");
    } finally {
      Object.defineProperty(window, "location", { value: location, configurable: true });
    }
    expectNotice("uses http:// on an https forum");
  });

  test.each([
    ["members", { staff: false }],
    ["anonymous visitors", null],
  ])("%s see nothing", async (_, user) => {
    setCurrentUser(ctx.owner, user);
    await renderShowTopic("not a url");
    expect(ctx.element.querySelector(".live-show-config-notice, .live-show-frame")).toBeNull();
    expect(ctx.element.textContent.trim()).toBe("");
    expect(loadedUrls).toEqual([]);
  });

  test("no notice on topics that are not shows", async () => {
    setCurrentUser(ctx.owner, { staff: true });
    Object.assign(settings, { ingest_base_url: "", show_streams: [{ tags: ["concert"], stream: "main" }] });
    const topic = { id: 6, tags: ["news"] };
    await render(<template><LiveShowTopicPlayer @outletArgs={{hash model=topic}} /></template>);
    expect(ctx.element.textContent.trim()).toBe("");
  });
});
