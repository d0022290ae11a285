import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_TIMINGS, ShowStateMachine } from "../../player/src/state-machine.js";
import type { MachineSnapshot } from "../../player/src/state-machine.js";
import type { PlayerState, StatusResult } from "../../player/src/types.js";
import { FakeScheduler } from "./support/fake-scheduler.js";

/** A fake status source and media: records what the machine asks for and answers like the ingest would. */
class Harness {
  readonly clock = new FakeScheduler();
  readonly fetches: number[] = [];
  readonly fetchTimes: number[] = [];
  readonly media: ("attach" | "detach")[] = [];
  readonly mediaTimes: number[] = [];
  readonly states: PlayerState[] = [];
  readonly snapshots: MachineSnapshot[] = [];
  readonly machine = new ShowStateMachine(
    {
      fetchStatus: (token) => {
        this.fetches.push(token);
        this.fetchTimes.push(this.clock.now);
      },
      attach: () => {
        this.media.push("attach");
        this.mediaTimes.push(this.clock.now);
      },
      detach: () => {
        this.media.push("detach");
        this.mediaTimes.push(this.clock.now);
      },
      update: (snapshot) => {
        this.snapshots.push(snapshot);
        if (this.states.at(-1) !== snapshot.state) this.states.push(snapshot.state);
      },
    },
    this.clock,
  );

  get state(): PlayerState {
    return this.machine.snapshot().state;
  }

  /** Answers the latest status request. */
  answer(result: StatusResult): void {
    const token = this.fetches.at(-1);
    if (token === undefined) throw new Error("no status request to answer");
    this.machine.statusResult(token, result);
  }

  stream(state: "offline" | "live" | "reconnecting" | "ended", viewers: number | null = null): void {
    this.answer({ ok: true, state, viewers });
  }

  /** Advances until the next status request and returns how long that took. */
  untilNextFetch(limitMs = 60_000): number {
    const before = this.fetches.length;
    const start = this.clock.now;
    while (this.fetches.length === before) {
      const delay = this.clock.nextDelay();
      if (delay === null || this.clock.now - start + delay > limitMs) throw new Error("no status request came");
      this.clock.advance(delay);
    }
    return this.clock.now - start;
  }
}

describe("ShowStateMachine", () => {
  it("goes offline → live → reconnecting → live → ended and drives the media accordingly", () => {
    const h = new Harness();
    h.machine.start();
    expect(h.state).toBe("loading");
    expect(h.fetches).toHaveLength(1);

    h.stream("offline");
    expect(h.state).toBe("offline");
    expect(h.media).toEqual([]);

    expect(h.untilNextFetch()).toBe(2_000);
    h.stream("live", 3);
    expect(h.media).toEqual(["attach"]);
    expect(h.state).toBe("loading");
    h.machine.mediaReady();
    expect(h.machine.snapshot()).toEqual({ state: "live", viewers: 3 });
    expect(h.untilNextFetch()).toBe(DEFAULT_TIMINGS.fastPollMs); // still starting: fast
    h.stream("live", 3);

    // playback stalls: status is asked for at once instead of waiting for the slow live poll
    h.machine.mediaProgress();
    h.machine.mediaWaiting();
    expect(h.untilNextFetch()).toBe(DEFAULT_TIMINGS.stallCheckMs);
    h.stream("reconnecting");
    expect(h.state).toBe("reconnecting");
    expect(h.media).toEqual(["attach"]); // the last frame stays

    expect(h.untilNextFetch()).toBe(DEFAULT_TIMINGS.fastPollMs);
    h.stream("live", 4);
    expect(h.state).toBe("reconnecting"); // until the picture actually moves
    h.machine.mediaProgress();
    expect(h.machine.snapshot()).toEqual({ state: "live", viewers: 4 });
    expect(h.untilNextFetch()).toBe(DEFAULT_TIMINGS.fastPollMs); // the poll planned while reconnecting
    h.stream("live", 4);

    expect(h.untilNextFetch()).toBe(DEFAULT_TIMINGS.livePollMs);
    h.stream("ended");
    expect(h.state).toBe("ended");
    expect(h.media).toEqual(["attach", "detach"]);
    expect(h.states).toEqual(["loading", "offline", "loading", "live", "reconnecting", "live", "ended"]);
    // the performer may start a new show on the same stream: polled like an offline stream
    expect(h.untilNextFetch()).toBe(DEFAULT_TIMINGS.offlinePollMinMs);
    h.stream("ended");
    expect(h.untilNextFetch()).toBe(3_000);
  });

  it("polls an offline stream with growing intervals, capped lower while the page is visible", () => {
    const h = new Harness();
    h.machine.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      h.stream("offline");
      delays.push(h.untilNextFetch());
    }
    expect(delays).toEqual([2_000, 3_000, 4_500, 6_000, 6_000, 6_000]);

    h.machine.setVisible(false);
    h.stream("offline");
    expect(h.untilNextFetch()).toBe(15_000);
    h.stream("offline");
    h.clock.advance(1_000);
    const before = h.fetches.length;
    h.machine.setVisible(true); // back to the tab: ask at once
    expect(h.fetches.length).toBe(before + 1);
    expect(h.media).toEqual([]);
  });

  it("shows an error while the ingest is unreachable and retries with backoff up to the maximum", () => {
    const h = new Harness();
    h.machine.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      h.answer({ ok: false, reason: "network" });
      expect(h.state).toBe("error");
      delays.push(h.untilNextFetch());
    }
    expect(delays).toEqual([2_000, 3_000, 4_500, 6_750, 10_125, 15_000, 15_000]);
    h.stream("live", 1);
    expect(h.media).toEqual(["attach"]);
    expect(h.state).toBe("loading");
  });

  it("keeps showing live when a status request fails while the picture moves", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live", 2);
    h.machine.mediaReady();
    h.machine.mediaProgress();
    h.untilNextFetch();
    h.answer({ ok: false, reason: "network" });
    expect(h.state).toBe("live");
    expect(h.media).toEqual(["attach"]);
    expect(h.untilNextFetch()).toBe(2_000);
  });

  it("retries media errors with a backoff that only playback resets", () => {
    const h = new Harness();
    h.machine.start();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      h.stream("live");
      h.machine.mediaError();
      expect(h.state).toBe("error");
      delays.push(h.untilNextFetch());
    }
    expect(delays).toEqual([2_000, 3_000, 4_500]);
    expect(h.media).toEqual(["attach", "detach", "attach", "detach", "attach", "detach"]);

    h.stream("live");
    h.machine.mediaProgress();
    expect(h.state).toBe("live");
    h.machine.mediaError();
    expect(h.untilNextFetch()).toBe(2_000);
  });

  it("treats media that never becomes ready as an error", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live");
    h.clock.advance(DEFAULT_TIMINGS.startTimeoutMs - 1);
    expect(h.state).toBe("loading");
    h.clock.advance(1);
    expect(h.state).toBe("error");
    expect(h.media).toEqual(["attach", "detach"]);
  });

  it("reloads the media when playback stays stuck although the stream is live", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live");
    h.machine.mediaReady();
    h.machine.mediaProgress();
    h.machine.mediaWaiting();
    const stalledAt = h.clock.now;
    while (h.media.length === 1) {
      h.untilNextFetch(); // every answer says the stream is live
      h.stream("live");
    }
    expect(h.media).toEqual(["attach", "detach", "attach"]);
    expect(h.mediaTimes.slice(1).map((t) => t - stalledAt)).toEqual([DEFAULT_TIMINGS.stallRestartMs, DEFAULT_TIMINGS.stallRestartMs]);
  });

  it("never reloads while the performer is reconnecting, and resumes when they are back", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live");
    h.machine.mediaProgress();
    h.machine.mediaWaiting();
    for (let i = 0; i < 20; i++) {
      h.untilNextFetch();
      h.stream("reconnecting");
    }
    expect(h.media).toEqual(["attach"]);
    expect(h.state).toBe("reconnecting");
    h.untilNextFetch();
    h.stream("live");
    h.machine.mediaProgress();
    expect(h.state).toBe("live");
    expect(h.media).toEqual(["attach"]);
  });

  it("stays reconnecting while the buffer plays out after the performer dropped", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live");
    h.machine.mediaProgress();
    h.untilNextFetch();
    h.stream("reconnecting");
    h.machine.mediaProgress(); // the last second of buffer still plays
    expect(h.state).toBe("reconnecting");
    h.machine.mediaWaiting();
    h.untilNextFetch();
    h.stream("live");
    expect(h.state).toBe("reconnecting");
    h.machine.mediaProgress();
    expect(h.state).toBe("live");
  });

  it("reloads the media when the performer is back but playback does not resume", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live");
    h.machine.mediaProgress();
    h.machine.mediaWaiting();
    for (let i = 0; i < 5; i++) {
      h.untilNextFetch();
      h.stream("reconnecting");
    }
    h.untilNextFetch();
    h.stream("live");
    const backAt = h.clock.now;
    while (h.media.length === 1) {
      h.untilNextFetch(); // status keeps saying live every fast poll; the picture stays frozen
      h.stream("live");
    }
    expect(h.media).toEqual(["attach", "detach", "attach"]);
    expect(h.mediaTimes[2]! - backAt).toBeLessThanOrEqual(DEFAULT_TIMINGS.stallRestartMs);
  });

  it("shows reconnecting without media when the viewer arrives during a reconnect", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("reconnecting");
    expect(h.state).toBe("reconnecting");
    expect(h.media).toEqual([]);
    h.untilNextFetch();
    h.stream("live");
    expect(h.media).toEqual(["attach"]);
    h.machine.mediaReady();
    h.machine.mediaProgress();
    expect(h.state).toBe("live");
  });

  it("ends when the playlist ends, ignores the answer of an older status request, and can go live again", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live");
    h.machine.mediaProgress();
    h.untilNextFetch();
    const staleToken = h.fetches.at(-1)!;
    h.machine.mediaEnded();
    expect(h.state).toBe("ended");
    h.machine.statusResult(staleToken, { ok: true, state: "live", viewers: 9 });
    expect(h.state).toBe("ended");
    expect(h.media).toEqual(["attach", "detach"]);
    h.untilNextFetch();
    h.stream("live");
    expect(h.media).toEqual(["attach", "detach", "attach"]);
  });

  it("detaches when the ingest forgets the stream", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live");
    h.machine.mediaProgress();
    h.untilNextFetch();
    h.stream("offline");
    expect(h.state).toBe("offline");
    expect(h.media).toEqual(["attach", "detach"]);
  });

  it("reports viewer changes while live and no viewers otherwise", () => {
    const h = new Harness();
    h.machine.start();
    h.stream("live", 5);
    h.machine.mediaProgress();
    h.untilNextFetch();
    h.stream("live", 7);
    expect(h.snapshots.at(-1)).toEqual({ state: "live", viewers: 7 });
    h.untilNextFetch();
    h.stream("ended");
    expect(h.snapshots.at(-1)).toEqual({ state: "ended", viewers: null });
  });

  it.each(["offline", "loading", "live", "reconnecting", "error"] as const)(
    "leaves no timers and makes no more calls when destroyed while %s",
    (target) => {
      const h = new Harness();
      h.machine.start();
      if (target === "offline") h.stream("offline");
      if (target === "live" || target === "reconnecting") {
        h.stream("live");
        h.machine.mediaProgress();
        h.machine.mediaWaiting();
      }
      if (target === "reconnecting") {
        h.untilNextFetch();
        h.stream("reconnecting");
      }
      if (target === "error") h.answer({ ok: false, reason: "network" });
      expect(h.state).toBe(target);
      const pendingToken = h.fetches.at(-1)!;

      h.machine.destroy();
      expect(h.machine.hasPendingTimers()).toBe(false);
      expect(h.clock.pending()).toBe(0);
      const calls = [h.fetches.length, h.media.length, h.snapshots.length];
      h.machine.statusResult(pendingToken, { ok: true, state: "live", viewers: 1 });
      h.machine.mediaWaiting();
      h.machine.mediaError();
      h.machine.setVisible(false);
      h.machine.setVisible(true);
      h.clock.advance(120_000);
      expect([h.fetches.length, h.media.length, h.snapshots.length]).toEqual(calls);
      expect(h.clock.pending()).toBe(0);
    },
  );
});

describe("backoffDelay", () => {
  it.each([
    [0, 2_000],
    [1, 3_000],
    [2, 4_500],
    [10, 15_000],
    [-1, 2_000],
  ])("attempt %i waits %i ms", (attempt, expected) => {
    expect(backoffDelay(attempt, 2_000, 15_000, 1.5)).toBe(expected);
  });
});
