import { describe, expect, test } from "vitest";
import { isDismissed, newestShowTopic, rememberDismissed, showKey, showTopicsPath } from "../../../javascripts/discourse/lib/live-notice";
import { showRows } from "../../../javascripts/discourse/lib/show-tags";

// A Storage stand-in with the two methods used, able to fail like a full or blocked store.
function memoryStorage({ failWrites = false } = {}) {
  const items = new Map();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      if (failWrites) throw new Error("QuotaExceededError");
      items.set(key, value);
    },
  };
}

describe("showTopicsPath", () => {
  test("newest first, any of the tags", () => {
    expect(showTopicsPath(["concert"])).toBe("/latest.json?order=created&tags%5B%5D=concert");
    expect(showTopicsPath(["Théâtre", "a b"])).toBe("/latest.json?order=created&tags%5B%5D=Th%C3%A9%C3%A2tre&tags%5B%5D=a+b");
  });
});

describe("newestShowTopic", () => {
  const topic = (id, created_at, tags = ["concert"]) => ({ id, title: `T${id}`, slug: `t-${id}`, created_at, tags });

  test("by creation date, not list position (pinned topics come first)", () => {
    const body = { topic_list: { topics: [topic(1, "2024-01-01T00:00:00Z"), topic(7, "2025-12-10T00:00:00Z"), topic(5, "2025-12-03T00:00:00Z")] } };
    expect(newestShowTopic(body, ["concert"])).toEqual({ id: 7, title: "T7", slug: "t-7" });
  });

  test("only topics carrying one of the tags (names or objects, any case)", () => {
    const body = {
      topic_list: {
        topics: [
          topic(9, "2025-12-11T00:00:00Z", ["news"]),
          topic(8, "2025-12-10T00:00:00Z", [{ id: 1, name: "Concert", slug: "concert" }]),
        ],
      },
    };
    expect(newestShowTopic(body, ["concert"])?.id).toBe(8);
  });

  test("topics without tag data are trusted (the server filtered them)", () => {
    expect(newestShowTopic({ topic_list: { topics: [{ id: 4, title: "A", slug: "a", created_at: "x" }] } }, ["concert"])?.id).toBe(4);
  });

  test.each([null, {}, { topic_list: {} }, { topic_list: { topics: [] } }, { topic_list: { topics: [{ id: "1", title: "A", slug: "a" }] } }])(
    "nothing usable in %j",
    (body) => {
      expect(newestShowTopic(body, ["concert"])).toBeNull();
    }
  );
});

describe("dismissals", () => {
  test("one show = one stream's run", () => {
    expect(showKey("main", "2025-12-12T19:00:00.000Z")).toBe("main@2025-12-12T19:00:00.000Z");
    expect(showKey("main", null)).toBe("main");
  });

  test("remembered per show, newest 20 kept", () => {
    const storage = memoryStorage();
    expect(isDismissed(storage, "a")).toBe(false);
    rememberDismissed(storage, "a");
    expect(isDismissed(storage, "a")).toBe(true);
    expect(isDismissed(storage, "b")).toBe(false);
    for (let i = 0; i < 25; i += 1) rememberDismissed(storage, `s${i}`);
    expect(JSON.parse(storage.items.get("live-shows-dismissed"))).toHaveLength(20);
    expect(isDismissed(storage, "a")).toBe(false);
    expect(isDismissed(storage, "s24")).toBe(true);
  });

  test.each([
    ["no storage", undefined],
    ["a full store", memoryStorage({ failWrites: true })],
  ])("%s: no exception, nothing remembered", (_, storage) => {
    expect(() => rememberDismissed(storage, "a")).not.toThrow();
    expect(isDismissed(storage, "a")).toBe(false);
  });

  test("garbage in the store reads as nothing dismissed", () => {
    const storage = memoryStorage();
    storage.items.set("live-shows-dismissed", "{not json");
    expect(isDismissed(storage, "a")).toBe(false);
    storage.items.set("live-shows-dismissed", JSON.stringify({ a: 1 }));
    expect(isDismissed(storage, "a")).toBe(false);
  });
});

describe("showRows", () => {
  test("usable rows, trimmed, in order", () => {
    expect(
      showRows([
        { tags: [" concert "], stream: " main " },
        { tags: [], stream: "x" },
        { tags: ["a", 3, " "], stream: "" },
        { tags: ["impro", "", "open-stage"], stream: "stage-2" },
        null,
      ])
    ).toEqual([
      { stream: "main", tags: ["concert"] },
      { stream: "stage-2", tags: ["impro", "open-stage"] },
    ]);
  });

  test.each([undefined, null, "x", {}])("%j -> []", (value) => {
    expect(showRows(value)).toEqual([]);
  });
});
