import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { hash } from "@ember/helper";
import { click, render, settled, waitUntil } from "@ember/test-helpers";
import LiveShowBadge from "../../../javascripts/discourse/components/live-show-badge";
import LiveShowNotice from "../../../javascripts/discourse/components/live-show-notice";
import { setForumOrigin } from "discourse/lib/ajax";
import { setSubfolder } from "discourse/lib/get-url";
import { settings } from "discourse/lib/theme-settings-store";
import { setupRenderingTest } from "../support/rendering";
import { startStatusServer } from "../support/status-server";

const SHOWS = [{ tags: ["concert"], stream: "main" }, { tags: ["impro", "open-stage"], stream: "stage-2" }];
const STARTED = "2025-12-12T19:02:11.000Z";

// One loopback server standing in for both the ingest (/live/status.json) and the forum (/latest.json).
function forum({ live = ["main"], startedAt = STARTED, topics } = {}) {
  return (url) => {
    if (url.startsWith("/live/status.json")) {
      return { body: { streams: SHOWS.map(({ stream }) => ({ name: stream, live: live.includes(stream), startedAt: live.includes(stream) ? startedAt : null })) } };
    }
    if (url.startsWith("/latest.json")) {
      return {
        body: {
          topic_list: {
            topics: topics ?? [
              { id: 3, title: "About the concerts (pinned)", slug: "about-the-concerts", created_at: "2024-01-01T10:00:00Z", tags: ["concert"] },
              { id: 41, title: "Friday night concert", slug: "friday-night-concert", created_at: "2025-12-10T09:00:00Z", tags: [{ id: 7, name: "concert", slug: "concert" }] },
              { id: 38, title: "Last week's concert", slug: "last-weeks-concert", created_at: "2025-12-03T09:00:00Z", tags: ["concert"] },
            ],
          },
        },
      };
    }
    return { status: 404, body: {} };
  };
}

describe("<LiveShowNotice>", () => {
  const ctx = setupRenderingTest();
  let server;
  beforeEach(() => {
    window.localStorage.clear();
    setSubfolder("");
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function open(respond, extra = {}) {
    server = await startStatusServer(respond);
    setForumOrigin(new URL(server.baseUrl).origin);
    Object.assign(settings, { ingest_base_url: server.baseUrl, show_streams: SHOWS, live_now_notice: true }, extra);
    document.querySelector("#main-container")?.remove();
    document.body.insertAdjacentHTML("beforeend", '<div id="main-container"></div>');
    await render(<template><LiveShowNotice /></template>);
  }

  const notice = () => ctx.element.querySelector(".live-show-notice");

  test("while a show is live: 'Live now: <newest topic with its tag>' linking to it, one request each", async () => {
    await open(forum());
    await waitUntil(notice);
    expect(notice().getAttribute("role")).toBe("status");
    expect(notice().getAttribute("aria-label")).toBe("Live show now");
    const link = notice().querySelector("a");
    expect(link.textContent.replace(/\s+/g, " ").trim()).toBe("Live now: Friday night concert");
    expect(link.getAttribute("href")).toBe("/t/friday-night-concert/41");
    expect(server.requests).toEqual(["/live/status.json", "/latest.json?order=created&tags%5B%5D=concert"]);
    const button = notice().querySelector("button");
    expect(button.getAttribute("type")).toBe("button");
    expect(button.getAttribute("aria-label")).toBe("Hide this notice for this show");
  });

  test("a forum in a subfolder links within it; all tags of the show's row are asked", async () => {
    setSubfolder("/forum");
    await open(forum({ live: ["stage-2"], topics: [{ id: 9, title: "Open stage", slug: "open-stage", created_at: "2025-12-12T08:00:00Z", tags: ["open-stage"] }] }));
    await waitUntil(notice);
    expect(notice().querySelector("a").getAttribute("href")).toBe("/forum/t/open-stage/9");
    expect(server.requests[1]).toBe("/latest.json?order=created&tags%5B%5D=impro&tags%5B%5D=open-stage");
  });

  test("the topic-list badges and the notice of one page share one status request", async () => {
    server = await startStatusServer(forum());
    setForumOrigin(new URL(server.baseUrl).origin);
    Object.assign(settings, { ingest_base_url: server.baseUrl, show_streams: SHOWS, live_now_notice: true });
    const topic = { id: 41, tags: ["concert"] };
    await render(<template>
      <LiveShowNotice />
      <LiveShowBadge @outletArgs={{hash topic=topic}} />
    </template>);
    await waitUntil(() => notice() && ctx.element.querySelector(".live-show-list-badge"));
    expect(server.requests.filter((url) => url.startsWith("/live/"))).toEqual(["/live/status.json"]);
  });

  test.each([
    ["no show is live", forum({ live: [] })],
    ["the show has no topic the reader can see", forum({ topics: [] })],
  ])("nothing when %s", async (_, respond) => {
    await open(respond);
    await waitUntil(() => server.requests.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await settled();
    expect(notice()).toBeNull();
  });

  test("no topic-list request while nothing is live", async () => {
    await open(forum({ live: [] }));
    await waitUntil(() => server.requests.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toEqual(["/live/status.json"]);
  });

  test("dismissed for this show: gone, focus to the main content, remembered; the next show shows again", async () => {
    await open(forum());
    await waitUntil(notice);
    await click(".live-show-notice__dismiss");
    expect(notice()).toBeNull();
    expect(document.activeElement?.id).toBe("main-container");
    expect(JSON.parse(window.localStorage.getItem("live-shows-dismissed"))).toEqual([`main@${STARTED}`]);
    await server.close();

    // The same stream live again later: a new show, a new notice.
    await open(forum({ startedAt: "2025-12-19T19:00:00.000Z" }));
    await waitUntil(notice);
  });

  test("a show dismissed on an earlier page load: no notice, not even the topic is asked", async () => {
    window.localStorage.setItem("live-shows-dismissed", JSON.stringify(["other@x", `main@${STARTED}`]));
    await open(forum());
    await waitUntil(() => server.requests.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await settled();
    expect(notice()).toBeNull();
    expect(server.requests).toEqual(["/live/status.json"]);
  });

  test("with localStorage unavailable, the dismissal holds for the page", async () => {
    const original = Object.getOwnPropertyDescriptor(window, "localStorage");
    Object.defineProperty(window, "localStorage", { configurable: true, get: () => { throw new Error("SecurityError"); } });
    try {
      await open(forum());
      await waitUntil(notice);
      await click(".live-show-notice__dismiss");
      expect(notice()).toBeNull();
      ctx.owner.lookup("service:live-show-status").ttlMs = 0; // the next refresh asks the ingest again
      ctx.owner.lookup("service:router").trigger("routeDidChange");
      await waitUntil(() => server.requests.filter((url) => url.startsWith("/live/")).length === 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await settled();
      expect(notice()).toBeNull();
    } finally {
      Object.defineProperty(window, "localStorage", original);
    }
  });

  test("not on the show's own topic; back on another page, a route change shows it", async () => {
    const router = ctx.owner.lookup("service:router");
    let url = "/t/friday-night-concert/41/12";
    Object.defineProperty(router, "currentURL", { configurable: true, get: () => url });
    await open(forum());
    await waitUntil(() => server.requests.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await settled();
    expect(notice()).toBeNull();
    url = "/latest";
    router.trigger("routeDidChange");
    await waitUntil(notice);
    expect(server.requests).toHaveLength(2); // both answers reused from the service
  });

  test("a show going live while the reader stays on a page appears at the next refresh", async () => {
    let live = [];
    await open((url) => forum({ live })(url));
    await waitUntil(() => server.requests.length === 1);
    expect(notice()).toBeNull();
    live = ["main"];
    ctx.owner.lookup("service:live-show-status").ttlMs = 0;
    ctx.owner.lookup("service:router").trigger("routeDidChange");
    await waitUntil(notice);
    live = [];
    ctx.owner.lookup("service:router").trigger("routeDidChange");
    await waitUntil(() => notice() === null);
  });

  test("an unreachable forum or ingest: nothing, no error", async () => {
    await open(() => ({ status: 503, body: {} }));
    await waitUntil(() => server.requests.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(notice()).toBeNull();
  });
});
