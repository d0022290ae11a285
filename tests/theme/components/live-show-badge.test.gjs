import { afterEach, describe, expect, test } from "vitest";
import { hash } from "@ember/helper";
import { render, waitUntil } from "@ember/test-helpers";
import LiveShowBadge from "../../../javascripts/discourse/components/live-show-badge";
import { settings } from "discourse/lib/theme-settings-store";
import { setupRenderingTest } from "../support/rendering";
import { startStatusServer } from "../support/status-server";

const SHOWS = [{ tags: ["concert"], stream: "main" }, { tags: ["impro"], stream: "stage-2" }];

// Rows like core's topic list: one connector instance per topic, @outletArgs.topic.
async function renderList(topics) {
  await render(<template>
    <table>
      {{#each topics as |topic|}}
        <tr data-topic-id={{topic.id}}><td><LiveShowBadge @outletArgs={{hash topic=topic}} /></td></tr>
      {{/each}}
    </table>
  </template>);
}

function badgeRows(element) {
  return [...element.querySelectorAll(".live-show-list-badge")].map((badge) => badge.closest("tr").dataset.topicId);
}

describe("<LiveShowBadge> in a topic list", () => {
  const ctx = setupRenderingTest();
  let server;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("one status request for the whole list; badges only on live shows", async () => {
    server = await startStatusServer(() => ({
      body: { streams: [{ name: "main", live: true, viewers: 4 }, { name: "stage-2", live: false, viewers: 0 }] },
    }));
    Object.assign(settings, { ingest_base_url: `${server.baseUrl}/`, show_streams: SHOWS });
    await renderList([
      { id: 1, tags: ["concert"] },
      { id: 2, tags: [{ id: 3, name: "news", slug: "news" }] },
      { id: 3, tags: [{ id: 4, name: "Concert", slug: "concert" }] },
      { id: 4, tags: ["impro"] },
      { id: 5, tags: [] },
    ]);
    await waitUntil(() => badgeRows(ctx.element).length === 2);
    expect(badgeRows(ctx.element)).toEqual(["1", "3"]);
    expect(server.requests).toEqual(["/live/status.json"]);
    const badge = ctx.element.querySelector(".live-show-list-badge");
    expect(badge.textContent.trim()).toBe("Live");
    expect(badge.getAttribute("title")).toBe("This show is live now");
  });

  test("no request at all when the list has no show topics", async () => {
    server = await startStatusServer(() => ({ body: { streams: [{ name: "main", live: true }] } }));
    Object.assign(settings, { ingest_base_url: server.baseUrl, show_streams: SHOWS });
    await renderList([{ id: 1, tags: ["news"] }, { id: 2 }, { id: 3, tags: [{ id: 9, name: "music", slug: "concert" }] }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toEqual([]);
    expect(ctx.element.querySelector(".live-show-list-badge")).toBeNull();
  });

  test("no badge and no request with an unusable base URL", async () => {
    server = await startStatusServer(() => ({ body: [] }));
    Object.assign(settings, { ingest_base_url: "", show_streams: SHOWS });
    await renderList([{ id: 1, tags: ["concert"] }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toEqual([]);
    expect(ctx.element.querySelector(".live-show-list-badge")).toBeNull();
  });

  test.each([
    ["the show is not live", 200],
    ["the ingest answers with an error", 503],
  ])("no badge when %s", async (_, status) => {
    server = await startStatusServer(() => ({ status, body: { streams: [{ name: "main", live: status !== 200 }] } }));
    Object.assign(settings, { ingest_base_url: server.baseUrl, show_streams: SHOWS });
    await renderList([{ id: 1, tags: ["concert"] }]);
    await waitUntil(() => server.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ctx.element.querySelector(".live-show-list-badge")).toBeNull();
  });
});
