// @vitest-environment jsdom
// @vitest-environment-options {"url": "http://ingest.test/prefix/live/"}
// The preview page's browser script (ingest/src/http/preview-script.js) against scripted status.json
// answers, with a stand-in player that records mounts: cards, escaping, mount/destroy, errors. The real
// bundle in Chromium is covered by tests/e2e/preview-page.test.ts.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { renderPreviewPage } from "../../../ingest/src/http/preview-page.js";
import type { StreamStatus } from "../../../ingest/src/streams/stream-view.js";

// A path, not a URL: under jsdom the global URL is jsdom's, which readFileSync does not take.
const script = readFileSync(path.join(import.meta.dirname, "../../../ingest/src/http/preview-script.js"), "utf8");

type Answer = { streams: Partial<StreamStatus>[] } | number;
let answers: Answer[];
let fetched: string[];
let mounts: { stream: string; options: Record<string, unknown>; destroyed: boolean }[];
/** What <stream>/recordings.json answers (status.json answers come from `answers`). */
let recordingsAnswer: unknown;
let replays: { element: HTMLElement; options: Record<string, unknown>; destroyed: boolean }[];

function stream(name: string, status: Partial<StreamStatus> = {}): Partial<StreamStatus> {
  return {
    name,
    state: "live",
    live: true,
    startedAt: "2025-05-01T18:30:00.000Z",
    viewers: 3,
    video: { codec: "avc1.4d401f", width: 1280, height: 720, fps: 29.97, bitrateKbps: 2500.4, keyframeIntervalS: 2, droppedFrames: 0 },
    audio: { codec: "mp4a.40.2", sampleRate: 44100, channels: 2, bitrateKbps: 160 },
    warnings: [],
    playlist: `${name}/index.m3u8`,
    ...status,
  };
}

/** Loads the page body and runs the script, which fetches status.json at once. */
async function open(player = true, recordedStreams: string[] = []): Promise<void> {
  const html = renderPreviewPage({ playerVersion: "v", scriptVersion: "v", streams: [], recordedStreams });
  document.body.innerHTML = /<body>([\s\S]*)<\/body>/.exec(html)![1]!;
  (window as unknown as { LiveShowsPlayer?: unknown }).LiveShowsPlayer = player
    ? {
        mount: (element: HTMLElement, options: Record<string, unknown>) => {
          const record = { stream: String(options.stream), options, destroyed: false };
          mounts.push(record);
          element.append(Object.assign(document.createElement("video"), { className: "stand-in" }));
          return { destroy: () => (record.destroyed = true) };
        },
        mountReplay: (element: HTMLElement, options: Record<string, unknown>) => {
          const record = { element, options, destroyed: false };
          replays.push(record);
          return { destroy: () => (record.destroyed = true) };
        },
      }
    : undefined;
  (0, eval)(script);
  await vi.advanceTimersByTimeAsync(0);
}

/** The next scheduled refresh (every 3 s while the page is visible). */
const refresh = () => vi.advanceTimersByTimeAsync(3_000);
const cardOf = (name: string) => document.querySelector<HTMLElement>(`[data-stream="${name}"]`);
const statOf = (name: string, stat: string) => cardOf(name)!.querySelector(`[data-stat="${stat}"]`)!.textContent;
const names = () => [...document.querySelectorAll<HTMLElement>("#streams .card")].map((c) => c.dataset.stream);

beforeEach(() => {
  vi.useFakeTimers();
  answers = [];
  fetched = [];
  mounts = [];
  replays = [];
  recordingsAnswer = { recordings: [] };
  vi.stubGlobal("fetch", async (url: URL | string) => {
    if (String(url).endsWith("/recordings.json")) return { ok: true, status: 200, json: async () => recordingsAnswer };
    fetched.push(String(url));
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    if (typeof answer === "number") return { ok: false, status: answer, json: async () => ({}) };
    return { ok: true, status: 200, json: async () => answer };
  });
});

afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

it("fetches status.json next to the page (any path prefix) and says when there is no stream", async () => {
  answers = [{ streams: [] }];
  await open();
  expect(fetched).toEqual(["http://ingest.test/prefix/live/status.json"]);
  expect(document.querySelector("#streams")!.textContent).toMatch(/^No stream yet\. Start streaming in OBS/);
  await refresh();
  expect(fetched).toHaveLength(2);
});

it("shows a live stream's numbers and warnings as text, and mounts the player once", async () => {
  const hostile = '<img src=x onerror="window.hacked=1"> keyframes & <b>more</b>';
  answers = [
    {
      streams: [
        stream("show", {
          warnings: [
            { code: "keyframe-interval-long", message: hostile },
            { code: "something-new", message: "No idea." },
            { code: "no-video", message: "No video." },
          ],
        }),
      ],
    },
  ];
  await open();
  const card = cardOf("show")!;
  expect(card.dataset.state).toBe("live");
  expect(card.querySelector(".badge")!.textContent).toBe("Live");
  // Warnings the checklist covers go there; the others stay a list.
  expect(card.querySelector('[data-check="keyframes"] .check-fix')!.textContent).toBe(hostile);
  expect([...card.querySelectorAll(".warnings li")].map((li) => li.textContent)).toEqual(["No idea.", "No video."]);
  expect(document.querySelector("img, b")).toBeNull();
  expect(Object.fromEntries([...card.querySelectorAll<HTMLElement>("[data-stat]")].map((dd) => [dd.dataset.stat, dd.textContent]))).toEqual(
    {
      resolution: "1280×720",
      fps: "30 fps",
      keyframes: "2.0 s",
      videoBitrate: "2500 kbps",
      audioBitrate: "160 kbps",
      videoCodec: "H.264 Main (avc1.4d401f)",
      audio: "AAC-LC, 44.1 kHz, stereo",
      viewers: "3",
    },
  );
  expect(card.querySelector<HTMLAnchorElement>(".playlist a")!.href).toBe("http://ingest.test/prefix/live/show/index.m3u8");
  expect(mounts).toMatchObject([
    { stream: "show", options: { baseUrl: "http://ingest.test/prefix/live/", autoplay: true, lowLatency: true, showViewers: false } },
  ]);

  // The same warnings again: the list is left alone (a screen reader would otherwise repeat it every 3 s).
  const item = card.querySelector(".warnings li");
  await refresh();
  expect(card.querySelector(".warnings li")).toBe(item);
  expect(mounts).toHaveLength(1);
  (mounts[0]!.options.onStateChange as (s: string) => void)("live");
  expect(card.dataset.player).toBe("live");
});

it("lists transcoded renditions with size, bitrate, state and whether they keep up; none: no list", async () => {
  const r = (over: Record<string, unknown>) => ({ width: 640, height: 360, bitrateKbps: 812.4, realTime: true, playlist: "x", ...over });
  answers = [
    {
      streams: [
        stream("show", {
          renditions: [
            r({ name: "source", state: "source", width: 1280, height: 720, realTime: null }),
            r({ name: "360p", state: "running" }),
            r({
              name: "240p",
              state: "restarting",
              width: 426,
              height: 240,
              realTime: null,
              reason: "transcoder killed by SIGKILL <b>x</b>",
            }),
            r({
              name: "480p",
              state: "dropped",
              width: null,
              height: 480,
              bitrateKbps: null,
              realTime: null,
              reason: "the source is 640x360: no upscaling",
            }),
          ] as StreamStatus["renditions"],
        }),
        stream("plain", { renditions: [] }),
      ],
    },
  ];
  await open();
  const items = [...cardOf("show")!.querySelectorAll<HTMLElement>(".renditions li")];
  expect(items.map((li) => [li.dataset.state, li.textContent])).toEqual([
    ["running", "360p: 640×360, 812 kbps, running — keeps up with real time"],
    ["restarting", "240p: 426×240, 812 kbps, restarting — transcoder killed by SIGKILL <b>x</b>"],
    ["dropped", "480p: —, —, dropped — the source is 640x360: no upscaling"],
  ]);
  expect(document.querySelector("b")).toBeNull();
  expect(cardOf("plain")!.querySelector<HTMLElement>(".renditions")!.hidden).toBe(true);
});

/** Each check's [status, value, fix] on a card (or on the empty page). */
function checks(root: ParentNode): Record<string, [string, string, string]> {
  return Object.fromEntries(
    [...root.querySelectorAll<HTMLElement>(".check")].map((li) => [
      li.dataset.check!,
      [
        li.querySelector(".check-status")!.textContent!,
        li.querySelector(".check-value")!.textContent!,
        li.querySelector(".check-fix")!.textContent!,
      ],
    ]),
  );
}

it("before OBS streams, the checklist says what it will check: each item waiting for OBS", async () => {
  answers = [
    { streams: [] },
    {
      streams: [
        stream("show", {
          state: "offline",
          live: false,
          video: null,
          audio: null,
          warnings: [
            { code: "no-video", message: "v" },
            { code: "no-audio", message: "a" },
          ],
        }),
      ],
    },
  ];
  await open();
  const waiting = ["waiting for OBS…", "", ""];
  expect(checks(document.querySelector("#streams .empty")!)).toEqual({
    keyframes: waiting,
    bitrate: waiting,
    audio: waiting,
    framerate: waiting,
  });
  // Connected, no media yet: the "no audio/no video" of an empty stream is not a verdict.
  await refresh();
  expect(checks(cardOf("show")!)).toEqual({ keyframes: waiting, bitrate: waiting, audio: waiting, framerate: waiting });
});

it("a healthy stream: every check OK with its measured value", async () => {
  answers = [{ streams: [stream("show")] }];
  await open();
  expect(checks(cardOf("show")!)).toEqual({
    keyframes: ["OK", "2.0 s", ""],
    bitrate: ["OK", "2660 kbps", ""],
    audio: ["OK", "AAC-LC, 44.1 kHz, stereo", ""],
    framerate: ["OK", "30 fps", ""],
  });
  expect([...cardOf("show")!.querySelectorAll<HTMLElement>(".check")].map((li) => li.dataset.status)).toEqual(["ok", "ok", "ok", "ok"]);
});

it("a rough stream: each problem as a check to fix, with the ingest's message naming the OBS setting", async () => {
  const warnings = [
    { code: "keyframe-interval-long", message: "Keyframes 10 s apart: set Keyframe Interval." },
    { code: "segments-cut-without-keyframe", message: "Segments cut." },
    { code: "no-audio", message: "No audio: pick a device in Settings → Audio." },
    { code: "frame-rate-low", message: "Frame rate is 10 fps: Common FPS Values 30." },
    { code: "frames-dropped", message: "9 frames missing." },
    { code: "bitrate-high", message: "Bitrate is 8160 kbps: set Bitrate." },
  ];
  const video = { codec: "avc1.64001e", width: 426, height: 240, fps: 9, bitrateKbps: 8000, keyframeIntervalS: 10, droppedFrames: 9 };
  answers = [{ streams: [stream("show", { video, audio: null, warnings })] }];
  await open();
  expect(checks(cardOf("show")!)).toEqual({
    keyframes: ["Fix", "10.0 s", "Keyframes 10 s apart: set Keyframe Interval. Segments cut."],
    bitrate: ["Fix", "8000 kbps", "Bitrate is 8160 kbps: set Bitrate."],
    audio: ["Fix", "none", "No audio: pick a device in Settings → Audio."],
    framerate: ["Fix", "9 fps, 9 dropped", "Frame rate is 10 fps: Common FPS Values 30. 9 frames missing."],
  });
  expect(cardOf("show")!.querySelectorAll(".warnings li")).toHaveLength(0);
  // Fixed in OBS: the next answer turns them OK.
  answers = [{ streams: [stream("show")] }];
  await refresh();
  expect(Object.values(checks(cardOf("show")!)).map(([status]) => status)).toEqual(["OK", "OK", "OK", "OK"]);
  expect(cardOf("show")!.querySelector<HTMLElement>('[data-check="audio"] .check-fix')!.hidden).toBe(true);
});

it("shows unmeasured numbers as a dash", async () => {
  answers = [{ streams: [stream("show", { state: "offline", live: false, viewers: 0, video: null, audio: null })] }];
  await open();
  expect(statOf("show", "resolution")).toBe("—");
  expect(statOf("show", "audio")).toBe("—");
  expect(statOf("show", "viewers")).toBe("0");
  expect(cardOf("show")!.querySelector(".badge")!.textContent).toBe("Starting");
  expect(mounts).toEqual([]);
});

it("keeps the player through a reconnect, destroys it when the stream ends, mounts again when it is back", async () => {
  answers = [
    { streams: [stream("show")] },
    { streams: [stream("show", { state: "reconnecting", live: false })] },
    { streams: [stream("show", { state: "ended", live: false })] },
    { streams: [stream("show")] },
  ];
  await open();
  await refresh();
  expect(cardOf("show")!.querySelector(".badge")!.textContent).toBe("Reconnecting");
  expect(mounts.map((m) => m.destroyed)).toEqual([false]);
  await refresh();
  expect(cardOf("show")!.dataset.state).toBe("ended");
  expect(mounts.map((m) => m.destroyed)).toEqual([true]);
  expect(cardOf("show")!.querySelector(".player")!.childNodes).toHaveLength(0);
  await refresh();
  expect(mounts.map((m) => m.destroyed)).toEqual([true, false]);
});

it("adds cards in name order without moving a playing one, and removes the ones that disappear", async () => {
  answers = [
    { streams: [stream("show")] },
    { streams: [stream("zeta"), stream("show"), stream("alpha", { state: "ended", live: false })] },
    { streams: [] },
  ];
  await open();
  const show = cardOf("show")!;
  const video = show.querySelector("video")!;
  await refresh();
  expect(names()).toEqual(["alpha", "show", "zeta"]);
  expect(cardOf("show")).toBe(show);
  expect(show.querySelector("video")).toBe(video);
  expect(mounts.map((m) => m.stream)).toEqual(["show", "zeta"]);
  await refresh();
  expect(names()).toEqual([]);
  expect(mounts.every((m) => m.destroyed)).toBe(true);
  expect(document.querySelector("#streams .empty")).not.toBeNull();
});

it("keeps the cards and says so when status.json fails, until it answers again", async () => {
  answers = [{ streams: [stream("show")] }, 503, { streams: [stream("show")] }];
  await open();
  const notice = document.getElementById("notice")!;
  expect(notice.hidden).toBe(true);
  await refresh();
  expect(notice.hidden).toBe(false);
  expect(notice.textContent).toBe("Can't reach the server (HTTP 503). Retrying…");
  expect(names()).toEqual(["show"]);
  expect(mounts.map((m) => m.destroyed)).toEqual([false]);
  await refresh();
  expect(notice.hidden).toBe(true);
});

it("links only playlists on the page's own origin", async () => {
  answers = [{ streams: [stream("show", { playlist: "https://elsewhere.example/x.m3u8" })] }];
  await open();
  const link = cardOf("show")!.querySelector(".playlist a")!;
  expect(link.hasAttribute("href")).toBe(false);
  expect(link.textContent).toBe("—");
});

it("says the player did not load when the bundle is absent, and still shows the numbers", async () => {
  answers = [{ streams: [stream("show")] }];
  await open(false);
  expect(cardOf("show")!.querySelector(".player")!.textContent).toBe("The player did not load, so the picture cannot be shown here.");
  expect(statOf("show", "resolution")).toBe("1280×720");
});

it("lists the stream's recordings (newest first from the server) with Play and Download; Play mounts the replay", async () => {
  recordingsAnswer = {
    recordings: [
      {
        id: "20250501-200000",
        startedAt: "2025-05-01T20:00:00.000Z",
        live: true,
        durationS: 75,
        bytes: 1,
        playlist: "recordings/20250501-200000/index.m3u8",
      },
      {
        id: "<b>x</b>",
        startedAt: "2025-04-24T18:30:00.000Z",
        endedAt: "2025-04-24T19:31:05.000Z",
        durationS: 3665,
        bytes: 1,
        playlist: "recordings/20250424-183000/index.m3u8",
        download: "recordings/20250424-183000/recording.mp4",
      },
    ],
  };
  answers = [{ streams: [stream("show", { state: "ended", live: false })] }];
  await open();
  const items = [...cardOf("show")!.querySelectorAll<HTMLElement>(".recording-list li")];
  expect(items.map((li) => li.querySelector(".length")!.textContent)).toEqual(["1:15", "1:01:05"]);
  expect(items[0]!.textContent).toContain("recording now");
  expect(items[0]!.querySelector("button")).toBeNull();
  expect(document.querySelector("b")).toBeNull();
  const download = items[1]!.querySelector<HTMLAnchorElement>("a.download")!;
  expect(download.href).toBe("http://ingest.test/prefix/live/show/recordings/20250424-183000/recording.mp4");
  expect(download.hasAttribute("download")).toBe(true);
  items[1]!.querySelector<HTMLButtonElement>("button.play-recording")!.click();
  expect(replays).toHaveLength(1);
  expect(replays[0]!.options).toEqual({
    playlistUrl: "http://ingest.test/prefix/live/show/recordings/20250424-183000/index.m3u8",
    autoplay: true,
  });
  expect(replays[0]!.element.hidden).toBe(false);
  items[1]!.querySelector<HTMLButtonElement>("button.play-recording")!.click();
  expect(replays.map((r) => r.destroyed)).toEqual([true, false]);
});

it("keeps a card with its recordings for a stream that is not live but has recordings", async () => {
  recordingsAnswer = {
    recordings: [
      {
        id: "20250424-183000",
        startedAt: "2025-04-24T18:30:00.000Z",
        endedAt: "2025-04-24T18:31:00.000Z",
        durationS: 60,
        bytes: 1,
        playlist: "recordings/20250424-183000/index.m3u8",
      },
    ],
  };
  answers = [{ streams: [stream("live-one")] }];
  await open(true, ["live-one", "past"]);
  expect(names()).toEqual(["live-one", "past"]);
  const card = cardOf("past")!;
  expect(card.querySelector(".badge")!.textContent).toBe("Not live");
  expect(card.querySelectorAll(".recording-list button.play-recording")).toHaveLength(1);
  expect(mounts.map((m) => m.stream)).toEqual(["live-one"]);
  expect(document.querySelector("#streams")!.textContent).not.toContain("No stream yet");
});
